package ai.ojin.session.processor.topology;

import static org.assertj.core.api.Assertions.assertThat;

import ai.ojin.session.events.command.EndReason;
import ai.ojin.session.events.fact.SessionAdmitted;
import ai.ojin.session.events.fact.SessionEvent;
import ai.ojin.session.events.fact.SessionRepeated;
import ai.ojin.session.events.reply.ErrorCode;
import ai.ojin.session.events.reply.SessionReply;
import ai.ojin.session.rules.audit.AuditCheck;
import ai.ojin.session.rules.audit.AuditReport;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * {@code Idempotency-Key} through the topology: a repeat is answered with the first request's
 * session and never takes a slot. Agent {@code alpha} allows one session at a time.
 */
class IdempotencyTopologyTest extends DriverPerTest {

    @Override
    void given(ProcessorDriver driver) {
        driver.agent("alpha", 1);
    }

    @Test
    void shouldAnswerRepeatsWhileTheSessionIsSetUpOnceItIsUpWithoutASecondSlot() {
        // given: the first request admitted, its room not up yet
        String first = driver.request("alpha", 0, null, "k1", "user-1");
        driver.facts();

        // when: two repeats (on other instances) arrive, then the session starts
        String repeat1 = driver.request("alpha", 1, null, "k1", "user-1");
        String repeat2 = driver.request("alpha", 2, null, "k1", "user-1");
        List<SessionEvent> whileSettingUp = driver.facts();
        driver.markStarted(first);
        List<SessionEvent> afterStart = driver.facts();

        // then
        assertThat(whileSettingUp).isEmpty();
        assertThat(driver.replies()).isEmpty();
        assertThat(afterStart).extracting(SessionEvent::typeName).containsExactly("started", "repeated", "repeated");
        assertThat(afterStart).filteredOn(SessionRepeated.class::isInstance).map(SessionRepeated.class::cast)
                .allSatisfy(r -> assertThat(r.sessionId()).isEqualTo(first))
                .extracting(SessionRepeated::correlationId, SessionRepeated::replyPartition)
                .containsExactly(org.assertj.core.groups.Tuple.tuple(repeat1, 1),
                        org.assertj.core.groups.Tuple.tuple(repeat2, 2));
        assertAudited();
    }

    @Test
    void shouldAnswerARepeatOfAStartedSessionAtOnce() {
        // given
        String first = driver.request("alpha", 0, null, "k1", null);
        driver.markStarted(first);
        driver.facts();

        // when
        String repeat = driver.request("alpha", 3, null, "k1", null);

        // then
        assertThat(driver.facts()).singleElement().isInstanceOfSatisfying(SessionRepeated.class, r -> {
            assertThat(r.sessionId()).isEqualTo(first);
            assertThat(r.correlationId()).isEqualTo(repeat);
            assertThat(r.replyPartition()).isEqualTo(3);
            assertThat(r.instanceId()).isEqualTo("api-3");
            assertThat(r.roomName()).isEqualTo(first);
            assertThat(r.roomUrl()).isEqualTo("https://x.daily.co/" + first);
            assertThat(r.maxSessionSeconds()).isEqualTo(600);
        });
        assertAudited();
    }

    @Test
    void shouldAnswerTheSameKeyWithAnotherBodyIdempotencyKeyReused() {
        // given
        String first = driver.request("alpha", 0, null, "k1", "user-1");
        driver.facts();

        // when
        String other = driver.request("alpha", 1, null, "k1", "user-2");

        // then
        assertThat(driver.facts()).isEmpty();
        assertThat(driver.replies()).singleElement().satisfies(r -> {
            assertThat(r.waitingId()).isEqualTo(other);
            assertThat(r.errorCode()).isEqualTo(ErrorCode.IDEMPOTENCY_KEY_REUSED);
            assertThat(r.sessionId()).isNotEqualTo(first);
        });
    }

    @Test
    void shouldAnswerARepeatOfARejectionWithTheSameRejection() {
        // given: the slot taken, then a keyed request rejected
        driver.request("alpha", 0);
        String rejected = driver.request("alpha", 1, null, "k2", null);
        driver.facts();
        driver.replies();

        // when
        String repeat = driver.request("alpha", 1, null, "k2", null);

        // then
        assertThat(driver.facts()).isEmpty();
        assertThat(driver.replies()).singleElement().satisfies(r -> {
            assertThat(r.sessionId()).isEqualTo(rejected);
            assertThat(r.waitingId()).isEqualTo(repeat);
            assertThat(r.errorCode()).isEqualTo(ErrorCode.CONCURRENCY_LIMIT);
            assertThat(r.retryAfterSeconds()).isPositive();
        });
    }

    @Test
    void shouldAnswerARepeatAfterTheSessionEndedSessionEndedAndAfterAFailureTheFailure() {
        // given: one session ended, another failed to set up
        String ended = driver.request("alpha", 0, null, "k-ended", null);
        driver.markStarted(ended);
        driver.release(ended, EndReason.END_CALL, null);
        String failed = driver.request("alpha", 0, null, "k-failed", null);
        driver.release(failed, EndReason.ROOM_CREATION_FAILED, null);
        driver.facts();
        driver.replies();

        // when
        driver.request("alpha", 1, null, "k-ended", null);
        driver.request("alpha", 1, null, "k-failed", null);

        // then
        List<SessionReply> replies = driver.replies();
        assertThat(replies).extracting(SessionReply::sessionId, SessionReply::errorCode).containsExactly(
                org.assertj.core.groups.Tuple.tuple(ended, ErrorCode.SESSION_ENDED),
                org.assertj.core.groups.Tuple.tuple(failed, ErrorCode.ROOM_CREATION_FAILED));
        assertThat(driver.facts()).isEmpty();
        assertAudited();
    }

    @Test
    void shouldAnswerRepeatsWaitingForASessionThatFailsWithItsFailure() {
        // given
        String first = driver.request("alpha", 0, null, "k1", null);
        String repeat = driver.request("alpha", 1, null, "k1", null);
        driver.facts();

        // when
        driver.release(first, EndReason.ORCHESTRATOR_ERROR, null);

        // then
        assertThat(driver.replies()).singleElement().satisfies(r -> {
            assertThat(r.waitingId()).isEqualTo(repeat);
            assertThat(r.sessionId()).isEqualTo(first);
            assertThat(r.errorCode()).isEqualTo(ErrorCode.ORCHESTRATOR_ERROR);
        });
        assertAudited();
    }

    @Test
    void shouldStartANewSessionWithTheKeyOnceItsWindowAndTheTombstoneAreOver() {
        // given: a session with key k1 that ended
        String first = driver.request("alpha", 0, null, "k1", null);
        driver.release(first, EndReason.END_CALL, null);
        driver.facts();

        // when: past the key's window (10 min) and the tombstone retention (10 min)
        driver.advance(Duration.ofMinutes(11));
        String again = driver.request("alpha", 0, null, "k1", null);

        // then
        assertThat(driver.facts()).filteredOn(SessionAdmitted.class::isInstance).extracting(SessionEvent::sessionId)
                .containsExactly(again);
        assertThat(driver.count(SessionTopology.KEYS_STORE)).isEqualTo(1);
        assertAudited();
    }

    @Test
    void shouldLetAWaitersRepeatFollowItIntoItsSession() {
        // given: the slot taken, a keyed waiter and its repeat
        String holder = driver.request("alpha", 0);
        String waiter = driver.request("alpha", 1, 30, "k1", null);
        String repeat = driver.request("alpha", 2, 30, "k1", null);
        driver.facts();

        // when: the waiter's turn comes and its room is up
        driver.release(holder, EndReason.END_CALL, null);
        driver.markStarted(waiter);

        // then: one admission, and the repeat is answered with the waiter's session
        List<SessionEvent> facts = driver.facts();
        assertThat(facts).filteredOn(SessionAdmitted.class::isInstance).extracting(SessionEvent::sessionId)
                .containsExactly(waiter);
        assertThat(facts).filteredOn(SessionRepeated.class::isInstance).singleElement()
                .satisfies(r -> assertThat(((SessionRepeated) r).correlationId()).isEqualTo(repeat));
        assertAudited();
    }

    @Test
    void shouldKeepAKeyedSessionWhoseCallerWentAwayForTheRepeatButReleaseAPlainOne() {
        // given: a keyed and a plain session of an agent allowing two
        driver.agent("beta", 2);
        String keyed = driver.request("beta", 0, null, "k1", null);
        String plain = driver.request("beta", 0);
        driver.facts();

        // when: both callers go away (the API releases them as abandoned), then the keyed one repeats
        driver.release(keyed, EndReason.ABANDONED, null);
        driver.release(plain, EndReason.ABANDONED, null);
        List<SessionEvent> released = driver.facts();
        driver.markStarted(keyed);
        String repeat = driver.request("beta", 1, null, "k1", null);

        // then
        assertThat(released).extracting(SessionEvent::sessionId).containsExactly(plain);
        assertThat(driver.facts()).filteredOn(SessionRepeated.class::isInstance).singleElement()
                .satisfies(r -> assertThat(((SessionRepeated) r).correlationId()).isEqualTo(repeat));
        assertAudited();
    }

    @Test
    void shouldDecideARetryAfterAnInternalErrorAfresh() {
        // given: a keyed request that reached the processor after its deadline
        String late = ai.ojin.session.events.SessionIds.newSessionId("alpha");
        driver.command(new ai.ojin.session.events.command.RequestSession(late, "alpha", null, null, 0, driver.now(),
                driver.now().minusSeconds(1), "api-0", null,
                ai.ojin.session.events.command.IdempotencyKeys.keyHash("k1"),
                ai.ojin.session.events.command.IdempotencyKeys.requestHash("alpha", null), driver.now().plusSeconds(600)));
        driver.facts();

        // when
        String retry = driver.request("alpha", 0, null, "k1", null);

        // then
        assertThat(driver.facts()).filteredOn(SessionAdmitted.class::isInstance).extracting(SessionEvent::sessionId)
                .containsExactly(retry);
    }

    private void assertAudited() {
        AuditReport report = AuditCheck.check(driver.allFacts());
        assertThat(report.ok()).as(report.toString()).isTrue();
    }
}
