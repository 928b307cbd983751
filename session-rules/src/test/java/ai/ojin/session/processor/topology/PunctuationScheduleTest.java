package ai.ojin.session.processor.topology;

import static org.assertj.core.api.Assertions.assertThat;

import ai.ojin.session.events.command.EndReason;
import ai.ojin.session.events.fact.SessionEnded;
import ai.ojin.session.events.fact.SessionEvent;
import ai.ojin.session.rules.audit.AuditCheck;
import ai.ojin.session.rules.audit.AuditReport;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The lease punctuator runs only while something waits for the clock, and not before it is due:
 * every punctuation makes Kafka Streams commit the task, and under exactly-once each commit is a
 * transaction. Defaults: start lease 30 s, punctuation every second, tombstones kept
 * 10 minutes. The wall clock moves a second at a time, as a stream thread's loop would see it.
 */
class PunctuationScheduleTest extends DriverPerTest {

    @Override
    void given(ProcessorDriver driver) {
        driver.agent("alpha", 1);
    }

    @Test
    void shouldNotPunctuateWhileNothingWaitsForTheClock() {
        // given: an agent and no session

        // when: a minute passes
        tick(Duration.ofMinutes(1));

        // then: not one punctuation (before: 60, each a transaction)
        assertThat(driver.punctuations()).isZero();
    }

    @Test
    void shouldPunctuateOnlyWhenALeaseOrATombstoneIsDueAndThenStop() {
        // given: a session admitted and released at once (its tombstone is purged after 10 minutes)
        String session = driver.request("alpha");
        driver.release(session, EndReason.END_CALL, null);

        // when: the tombstone's retention and a minute more pass, a second at a time
        tick(Duration.ofMinutes(11));
        long afterPurge = driver.punctuations();
        tick(Duration.ofMinutes(1));

        // then: a handful of punctuations (the start lease's time, found stale, and the purge), not 660
        assertThat(afterPurge).isBetween(1L, 3L);
        assertThat(driver.count(SessionTopology.SESSIONS_STORE)).isZero();
        assertThat(driver.count(SessionTopology.EXPIRY_STORE)).isZero();
        assertThat(driver.punctuations()).isEqualTo(afterPurge);
        assertAudited();
    }

    @Test
    void shouldBringThePunctuationForwardWhenALeaseEndsBeforeWhatIsScheduled() {
        // given: a tombstone due in 10 minutes schedules the punctuation then
        String first = driver.request("alpha");
        driver.release(first, EndReason.END_CALL, null);
        tick(Duration.ofSeconds(61)); // the first session's start lease time has passed
        driver.facts();

        // when: a session nobody starts is admitted (start lease 30 s)
        String second = driver.request("alpha");
        tick(Duration.ofSeconds(29));
        List<SessionEvent> beforeItsLeaseEnds = driver.facts();
        tick(Duration.ofSeconds(2));

        // then: it ends when its lease ends, not when the tombstone is due
        assertThat(beforeItsLeaseEnds).noneMatch(SessionEnded.class::isInstance);
        assertThat(driver.facts()).filteredOn(SessionEnded.class::isInstance).singleElement()
                .isInstanceOfSatisfying(SessionEnded.class, e -> {
                    assertThat(e.sessionId()).isEqualTo(second);
                    assertThat(e.reason()).isEqualTo(EndReason.LEASE_EXPIRED);
                });
        assertAudited();
    }

    private void assertAudited() {
        AuditReport report = AuditCheck.check(driver.allFacts());
        assertThat(report.ok()).as(report.toString()).isTrue();
    }

    private void tick(Duration total) {
        for (long s = 0; s < total.toSeconds(); s++) {
            driver.advance(Duration.ofSeconds(1));
        }
    }
}
