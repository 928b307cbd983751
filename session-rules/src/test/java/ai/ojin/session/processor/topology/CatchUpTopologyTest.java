package ai.ojin.session.processor.topology;

import static org.assertj.core.api.Assertions.assertThat;

import ai.ojin.session.events.SessionIds;
import ai.ojin.session.rules.audit.AuditCheck;
import ai.ojin.session.events.command.EndReason;
import ai.ojin.session.events.command.Heartbeat;
import ai.ojin.session.events.command.MarkStarted;
import ai.ojin.session.events.fact.SessionEnded;
import ai.ojin.session.events.fact.SessionEvent;
import ai.ojin.session.events.fact.SessionStarted;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * A backlog read after an outage: commands are judged as of when they were written, and the
 * punctuator does not end a lease that a command still in the backlog keeps (start lease 30 s,
 * punctuation every second).
 */
class CatchUpTopologyTest extends DriverPerTest {

    @Override
    void given(ProcessorDriver driver) {
        driver.agent("alpha", 2);
    }

    @Test
    void shouldKeepASessionWhoseStartWasWrittenInsideItsLeaseAndEndTheOtherAtItsLeasesEnd() {
        // given: two sessions admitted at T; the worker wrote the first one's MarkStarted 0.66 s later
        Instant admittedAt = driver.now();
        String started = driver.request("alpha");
        String neverStarted = driver.request("alpha");
        MarkStarted start = new MarkStarted(started, "alpha", started, "https://x.daily.co/" + started,
                admittedAt.plusMillis(660));

        // when: for 45 s the processor reads a backlog written just after T (the heartbeats of the
        // first half second), well past the 30 s start lease by the wall clock, then the MarkStarted
        for (int second = 1; second <= 45; second++) {
            driver.advance(Duration.ofSeconds(1));
            driver.command(new Heartbeat(Heartbeat.ID_PREFIX + second, "alpha", admittedAt, 0),
                    admittedAt.plusMillis(10L * second));
        }
        driver.command(start, admittedAt.plusMillis(660));
        driver.command(new Heartbeat(Heartbeat.ID_PREFIX + "last", "alpha", driver.now(), 0), driver.now());

        // then: the first session started as of when its start was written, the other one ended
        // when its start lease ran out, and the log checks clean with the lease timing rules
        List<SessionEvent> facts = driver.allFacts();
        assertThat(facts).filteredOn(f -> f.sessionId().equals(started)).extracting(SessionEvent::typeName)
                .containsExactly("requested", "admitted", "started");
        assertThat(facts).filteredOn(f -> f instanceof SessionStarted).singleElement()
                .extracting(SessionEvent::at).isEqualTo(admittedAt.plusMillis(660));
        assertThat(facts).filteredOn(f -> f.sessionId().equals(neverStarted) && f instanceof SessionEnded)
                .singleElement().satisfies(f -> {
                    assertThat(((SessionEnded) f).reason()).isEqualTo(EndReason.LEASE_EXPIRED);
                    assertThat(f.at()).isEqualTo(admittedAt.plusSeconds(30));
                });
        assertThat(AuditCheck.check(facts, new AuditCheck.Timing(Duration.ofSeconds(5), null)).violations()).isEmpty();
        assertThat(SessionIds.agentOf(started)).contains("alpha");
    }

    @Test
    void shouldEndLeasesByTheWallClockOnceTheInputIsIdle() {
        // given: an admitted session, and no record after it
        String session = driver.request("alpha");

        // when: the wall clock passes its start lease
        driver.advance(Duration.ofSeconds(31));

        // then: it ended when its lease ran out
        assertThat(driver.allFacts()).filteredOn(f -> f.sessionId().equals(session) && f instanceof SessionEnded)
                .singleElement().extracting(SessionEvent::at).isEqualTo(ProcessorDriver.START.plusSeconds(30));
    }
}
