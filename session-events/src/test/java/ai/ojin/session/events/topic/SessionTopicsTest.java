package ai.ojin.session.events.topic;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.config.TopicConfig;
import org.junit.jupiter.api.Test;

class SessionTopicsTest {

    @Test
    void shouldRollReplySegmentsWellWithinTheRetentionSoTokensLeaveTheDisk() {
        // given
        SessionTopics topics = SessionTopics.withPrefix("p-");

        // when
        NewTopic replies = topics.newTopics(TopicLayout.LOCAL).stream()
                .filter(t -> t.name().equals("p-session-replies")).findFirst().orElseThrow();

        // then: a token is gone at most retention + segment after it was written (< 2 x retention)
        Map<String, String> configs = replies.configs();
        long retention = Long.parseLong(configs.get(TopicConfig.RETENTION_MS_CONFIG));
        assertThat(configs).containsKey(TopicConfig.SEGMENT_MS_CONFIG);
        long segment = Long.parseLong(configs.get(TopicConfig.SEGMENT_MS_CONFIG));
        assertThat(segment).isPositive().isLessThan(retention);
        assertThat(retention + segment).isLessThanOrEqualTo(2 * retention);
    }

    @Test
    void shouldNameDeadLetterTopicsBySourceAndService() {
        assertThat(SessionTopics.deadLetterTopic("p-session-events", "call-history-sink"))
                .isEqualTo("p-session-events.call-history-sink.dlt");
    }
}
