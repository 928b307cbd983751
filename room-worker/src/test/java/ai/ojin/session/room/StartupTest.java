package ai.ojin.session.room;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import ai.ojin.session.events.fact.SessionAdmitted;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

class StartupTest {

    @Test
    void shouldFailFastWithoutDailyKeyUnlessSimulationIsAllowed() {
        // given / when / then
        assertThatThrownBy(() -> new WorkerHarness(Map.of("DAILY_API_KEY", "")).close())
                .hasStackTraceContaining("DAILY_API_KEY is not set");
    }

    @Test
    void shouldSimulateRoomsAndBotsWhenAllowed() throws Exception {
        try (WorkerHarness worker = new WorkerHarness(Map.of("DAILY_API_KEY", "", "ORCHESTRATOR_URL", "",
                "room.allow-simulation", "true"))) {
            // given
            SessionAdmitted admitted = WorkerHarness.admitted("agent-sim");

            // when
            worker.publish(admitted);

            // then: a reply with a simulated room, and nothing reached the fakes
            await().atMost(Duration.ofSeconds(60)).until(() -> worker.reply(admitted.sessionId()).isPresent());
            assertThat(worker.reply(admitted.sessionId()).orElseThrow().roomUrl()).contains("simulated");
            assertThat(worker.daily.requests()).isEmpty();
            assertThat(worker.orchestrator.requests()).isEmpty();
        }
    }
}
