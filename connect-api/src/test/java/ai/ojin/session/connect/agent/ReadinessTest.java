package ai.ojin.session.connect.agent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import ai.ojin.session.connect.support.RunningApi;
import ai.ojin.session.connect.support.ScriptedReplies;
import ai.ojin.session.connect.support.TestPipeline;
import ai.ojin.session.events.agent.Agent;
import ai.ojin.session.events.agent.AgentStatus;
import ai.ojin.session.events.json.Json;
import ai.ojin.session.events.topic.SessionTopics;
import ai.ojin.session.testkit.TestKafka;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Future;
import org.apache.kafka.clients.producer.RecordMetadata;
import java.util.Map;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

class ReadinessTest {

    private static final int AGENTS = 1500;

    @Test
    void shouldBeReadyOnlyWithEveryPublishedAgentVisible() throws Exception {
        // given: agents on the topic before the instance starts
        SessionTopics topics = TestKafka.newTopics();
        try (var producer = new KafkaProducer<String, Agent>(Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, TestKafka.bootstrapServers()),
                topics.agents().keySerde().serializer(), topics.agents().valueSerde().serializer())) {
            List<Future<RecordMetadata>> writes = new ArrayList<>();
            for (int i = 0; i < AGENTS; i++) {
                writes.add(producer.send(topics.agents().record("pre-" + i, AgentCatalogTest.agent("pre-" + i, AgentStatus.PUBLISHED))));
            }
            producer.flush();
            for (Future<RecordMetadata> write : writes) {
                write.get(); // fail loudly if a write is lost
            }
        }

        // when (with a stand-in that answers the processor heartbeats)
        try (TestPipeline pipeline = TestPipeline.start(topics, new ScriptedReplies());
                RunningApi api = RunningApi.start(topics, Map.of())) {
            AgentCatalog catalog = api.bean(AgentCatalog.class);
            int[] sizeWhenReady = {-1};
            await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(5)).until(() -> {
                HttpResponse<String> readiness = api.send(api.request("/actuator/health/readiness").GET());
                if (readiness.statusCode() == 200) {
                    sizeWhenReady[0] = catalog.size();
                    return true;
                }
                // Not ready yet: the catalog, or the reply listener, is still starting.
                assertThat(readiness.statusCode()).isEqualTo(503);
                assertThat(readiness.body()).contains("DOWN");
                return false;
            });
            HttpResponse<String> readiness = api.send(api.request("/actuator/health/readiness").GET());
            HttpResponse<String> last = api.send(api.admin("/v1/admin/agents/pre-" + (AGENTS - 1)).GET());

            // then
            assertThat(sizeWhenReady[0]).isEqualTo(AGENTS);
            JsonNode health = Json.MAPPER.readTree(readiness.body());
            assertThat(health.get("status").asString()).isEqualTo("UP");
            assertThat(last.statusCode()).isEqualTo(200);
            HttpResponse<String> liveness = api.send(api.request("/actuator/health/liveness").GET());
            assertThat(liveness.statusCode()).isEqualTo(200);
        }
    }

    @Test
    void shouldReportTheCatalogInTheReadinessGroup() throws Exception {
        // given
        SessionTopics topics = TestKafka.newTopics();

        // when
        try (TestPipeline pipeline = TestPipeline.start(topics, new ScriptedReplies());
                RunningApi api = RunningApi.start(topics, Map.of())) {
            await().atMost(Duration.ofSeconds(60)).until(() -> api.bean(AgentCatalog.class).caughtUp());
            await().atMost(Duration.ofSeconds(60)).until(() -> api.send(api.request("/actuator/health/readiness").GET())
                    .statusCode() == 200);
            HttpResponse<String> health = api.send(api.request("/actuator/health").GET());
            HttpResponse<String> readiness = api.send(api.request("/actuator/health/readiness").GET());

            // then
            assertThat(health.statusCode()).isEqualTo(200);
            assertThat(readiness.statusCode()).isEqualTo(200);
            assertThat(readiness.body()).contains("UP");
        }
    }
}
