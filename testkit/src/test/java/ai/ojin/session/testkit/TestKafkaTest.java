package ai.ojin.session.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import ai.ojin.session.events.topic.SessionTopics;
import java.util.Map;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.junit.jupiter.api.Test;

class TestKafkaTest {

    @Test
    void shouldCreateEveryTopicUnderAUniquePrefix() throws Exception {
        // given
        SessionTopics first = TestKafka.newTopics();
        SessionTopics second = TestKafka.newTopics();

        // when
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, TestKafka.bootstrapServers()))) {
            var names = admin.listTopics().names().get();

            // then
            assertThat(first.commands().name()).isNotEqualTo(second.commands().name());
            assertThat(names).contains(first.agents().name(), first.commands().name(), first.events().name(),
                    first.replies().name(), first.callHistory().name(), second.events().name());
        }
    }
}
