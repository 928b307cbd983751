package ai.ojin.session.connect.health;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import ai.ojin.session.connect.support.RunningApi;
import ai.ojin.session.connect.support.ScriptedReplies;
import ai.ojin.session.connect.support.TestPipeline;
import ai.ojin.session.events.topic.SessionTopics;
import ai.ojin.session.testkit.TestKafka;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Readiness follows whether something answers heartbeats on session-commands (here the scripted
 * stand-in; the standalone suite does the same with the real processor).
 */
class ProcessorReadinessTest {

    @Test
    void shouldBeReadyOnlyWhileHeartbeatsAreAnswered() throws Exception {
        // given: no processor yet
        SessionTopics topics = TestKafka.newTopics();
        try (RunningApi api = RunningApi.start(topics, Map.of("connect.heartbeat-interval", "200ms",
                "connect.heartbeat-stale-after", "1500ms"))) {
            // then: not ready while nobody answers
            await().atMost(Duration.ofSeconds(30)).until(() -> api.bean(ai.ojin.session.connect.agent.AgentCatalog.class).caughtUp());
            assertThat(readiness(api)).isEqualTo(503);
            assertThat(api.send(api.request("/actuator/health/readiness").GET()).body()).contains("DOWN");

            // when the processor runs
            TestPipeline pipeline = TestPipeline.start(topics, new ScriptedReplies());
            try {
                // then
                await().atMost(Duration.ofSeconds(30)).until(() -> readiness(api) == 200);
            } finally {
                // when it stops
                pipeline.close();
            }

            // then
            await().atMost(Duration.ofSeconds(30)).until(() -> readiness(api) == 503);

            // and when it is back
            try (TestPipeline back = TestPipeline.start(topics, new ScriptedReplies())) {
                await().atMost(Duration.ofSeconds(30)).until(() -> readiness(api) == 200);
            }
        }
    }

    @Test
    void shouldBecomeReadyWithoutWaitingForTheNextHeartbeatOnceItsReplyPartitionsAreAssigned() throws Exception {
        // given: a processor that answers, and heartbeats an hour apart (the first run comes at the
        // start, before this instance reads any reply partition, and sends nothing)
        SessionTopics topics = TestKafka.newTopics();
        try (TestPipeline pipeline = TestPipeline.start(topics, new ScriptedReplies());
                RunningApi api = RunningApi.start(topics, Map.of("connect.heartbeat-interval", "1h",
                        "connect.heartbeat-stale-after", "2h"))) {
            // then: the heartbeat sent when the reply partitions came is answered
            await().atMost(Duration.ofSeconds(30)).until(() -> readiness(api) == 200);
        }
    }

    private static int readiness(RunningApi api) {
        return api.send(api.request("/actuator/health/readiness").GET()).statusCode();
    }
}
