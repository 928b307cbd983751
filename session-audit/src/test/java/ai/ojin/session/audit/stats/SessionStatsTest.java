package ai.ojin.session.audit.stats;

import static org.assertj.core.api.Assertions.assertThat;

import ai.ojin.session.audit.log.TimeRange;
import ai.ojin.session.events.fact.SessionDequeued;
import ai.ojin.session.events.fact.SessionDequeued.Outcome;
import ai.ojin.session.events.fact.SessionQueued;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.Test;

class SessionStatsTest {

    private static final Instant T0 = Instant.parse("2026-03-02T10:00:00Z");

    @Test
    void shouldReportWaitsInLinePerAgentWithTheirOutcomes() {
        // given: agent a: four waiters (waits of 1, 2, 3 and 10 s, each way out); agent b: one
        SessionStats stats = new SessionStats(TimeRange.ALL, null);
        wait(stats, "a", "a_1", 1_000, Outcome.ADMITTED);
        wait(stats, "a", "a_2", 2_000, Outcome.ADMITTED);
        wait(stats, "a", "a_3", 3_000, Outcome.GONE);
        wait(stats, "a", "a_4", 10_000, Outcome.TIMED_OUT);
        wait(stats, "b", "b_1", 500, Outcome.ADMITTED);

        // then
        SessionStats.Line a = stats.lines.get("a");
        assertThat(a.queued).isEqualTo(4);
        assertThat(a.outcomes).isEqualTo(Map.of("admitted", 2L, "gone", 1L, "timed_out", 1L));
        assertThat(SessionStats.percentile(a.waitMs, 0.5)).isEqualTo(2_000);
        assertThat(SessionStats.percentile(a.waitMs, 0.95)).isEqualTo(10_000);
        assertThat(stats.lines.get("b").waitMs).containsExactly(500L);
    }

    @Test
    void shouldCountOnlyTheAgentAskedFor() {
        // given
        SessionStats stats = new SessionStats(TimeRange.ALL, "b");
        wait(stats, "a", "a_1", 1_000, Outcome.ADMITTED);
        wait(stats, "b", "b_1", 500, Outcome.ADMITTED);

        // then
        assertThat(stats.lines).containsOnlyKeys("b");
    }

    private static void wait(SessionStats stats, String agent, String session, long ms, Outcome outcome) {
        stats.add(new SessionQueued(session, agent, T0, 1, T0.plusSeconds(30), 1, 1));
        stats.add(new SessionDequeued(session, agent, T0.plusMillis(ms), outcome, T0));
    }
}
