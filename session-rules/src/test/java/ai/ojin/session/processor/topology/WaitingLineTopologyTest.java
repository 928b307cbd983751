package ai.ojin.session.processor.topology;

import static org.assertj.core.api.Assertions.assertThat;

import ai.ojin.session.events.command.EndReason;
import ai.ojin.session.events.fact.SessionAdmitted;
import ai.ojin.session.events.fact.SessionDequeued;
import ai.ojin.session.events.fact.SessionDequeued.Outcome;
import ai.ojin.session.events.fact.SessionEvent;
import ai.ojin.session.events.fact.SessionQueued;
import ai.ojin.session.events.fact.SessionRejected;
import ai.ojin.session.events.fact.SessionRequested;
import ai.ojin.session.events.reply.ErrorCode;
import ai.ojin.session.events.reply.SessionReply;
import ai.ojin.session.rules.audit.AuditCheck;
import ai.ojin.session.rules.audit.AuditReport;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The agent's line ({@code Prefer: wait}) through the topology: agent {@code alpha} allows one
 * session at a time; the line holds at most 3 here.
 */
class WaitingLineTopologyTest extends DriverPerTest {

    @Override
    LeaseSettings settings() {
        return LeaseSettings.DEFAULTS.withMaxWaiting(3);
    }

    @Override
    void given(ProcessorDriver driver) {
        driver.agent("alpha", 1);
    }

    @Test
    void shouldAdmitWaitersFirstComeFirstServedWhilePlainConnectsGet429() {
        // given: the one slot taken and three waiters
        String first = admitted();
        String w1 = waiter(30);
        String w2 = waiter(30);
        String w3 = waiter(30);
        List<SessionEvent> queued = driver.facts();

        // when: a plain connect arrives, then the slot frees three times
        String plain = driver.request("alpha", 2);
        List<SessionEvent> plainFacts = driver.facts();
        List<SessionReply> plainReplies = driver.replies();
        driver.release(first, EndReason.END_CALL, null);
        List<SessionEvent> afterFirst = driver.facts();
        driver.release(w1, EndReason.END_CALL, null);
        driver.release(w2, EndReason.END_CALL, null);
        List<SessionEvent> afterMore = driver.facts();

        // then
        assertThat(queued).filteredOn(SessionQueued.class::isInstance).extracting(e -> ((SessionQueued) e).position())
                .containsExactly(1, 2, 3);
        assertThat(plainFacts).extracting(SessionEvent::sessionId).containsOnly(plain);
        assertThat(plainFacts).filteredOn(SessionRejected.class::isInstance).singleElement()
                .satisfies(e -> assertThat(((SessionRejected) e).errorCode()).isEqualTo(ErrorCode.CONCURRENCY_LIMIT));
        assertThat(plainReplies).singleElement().satisfies(r -> {
            assertThat(r.sessionId()).isEqualTo(plain);
            assertThat(r.errorCode()).isEqualTo(ErrorCode.CONCURRENCY_LIMIT);
        });
        assertThat(afterFirst).extracting(SessionEvent::typeName, SessionEvent::sessionId).containsExactly(
                org.assertj.core.groups.Tuple.tuple("ended", first),
                org.assertj.core.groups.Tuple.tuple("dequeued", w1),
                org.assertj.core.groups.Tuple.tuple("admitted", w1));
        assertThat(afterMore).filteredOn(SessionAdmitted.class::isInstance).extracting(SessionEvent::sessionId)
                .containsExactly(w2, w3);
        SessionAdmitted admittedW1 = (SessionAdmitted) afterFirst.get(2);
        assertThat(admittedW1.replyPartition()).isEqualTo(1);
        assertThat(admittedW1.activeAfter()).isEqualTo(1);
        assertThat(admittedW1.instanceId()).isEqualTo("api-1");
        assertAudited();
    }

    @Test
    void shouldAnswer429AndLeaveTheLineWhenTheWaitRunsOut() {
        // given
        admitted();
        String waiter = waiter(5);
        driver.facts();

        // when
        driver.advance(Duration.ofSeconds(4));
        List<SessionEvent> before = driver.facts();
        driver.advance(Duration.ofSeconds(2));
        List<SessionEvent> after = driver.facts();

        // then
        assertThat(before).isEmpty();
        assertThat(after).extracting(SessionEvent::typeName).containsExactly("dequeued", "rejected");
        assertThat(((SessionDequeued) after.get(0)).outcome()).isEqualTo(Outcome.TIMED_OUT);
        assertThat(((SessionRejected) after.get(1)).retryAfterSeconds()).isPositive();
        assertThat(driver.replies()).singleElement().satisfies(r -> {
            assertThat(r.sessionId()).isEqualTo(waiter);
            assertThat(r.errorCode()).isEqualTo(ErrorCode.CONCURRENCY_LIMIT);
            assertThat(r.retryAfterSeconds()).isPositive();
        });
        assertAudited();
    }

    @Test
    void shouldNeverGiveASlotToAWaiterWhoseCallerWentAway() {
        // given: two waiters, the first goes away
        String first = admitted();
        String gone = waiter(30);
        String next = waiter(30);
        driver.release(gone, EndReason.ABANDONED, null);
        List<SessionEvent> goneFacts = driver.facts();

        // when: the slot frees
        driver.release(first, EndReason.END_CALL, null);
        List<SessionEvent> after = driver.facts();

        // then
        assertThat(goneFacts).filteredOn(SessionDequeued.class::isInstance).singleElement()
                .satisfies(e -> assertThat(((SessionDequeued) e).outcome()).isEqualTo(Outcome.GONE));
        assertThat(after).filteredOn(SessionAdmitted.class::isInstance).extracting(SessionEvent::sessionId)
                .containsExactly(next);
        assertThat(driver.allFacts()).filteredOn(e -> e.sessionId().equals(gone))
                .extracting(SessionEvent::typeName).containsExactly("requested", "queued", "dequeued");
        assertAudited();
    }

    @Test
    void shouldRejectAtOnceWhenTheLineIsFull() {
        // given
        admitted();
        waiter(30);
        waiter(30);
        waiter(30);
        driver.facts();

        // when
        String fourth = waiter(30);

        // then
        assertThat(driver.facts()).extracting(SessionEvent::typeName).containsExactly("requested", "rejected");
        assertThat(driver.replies()).singleElement().satisfies(r -> assertThat(r.sessionId()).isEqualTo(fourth));
        assertAudited();
    }

    @Test
    void shouldAdmitAWaiterAtOnceWhenASlotIsFree() {
        // when
        String session = waiter(30);

        // then
        assertThat(driver.facts()).extracting(SessionEvent::typeName).containsExactly("requested", "admitted");
        assertThat(session).isNotNull();
    }

    @Test
    void shouldAdmitTheOldestWaiterWhenTheHolderLeaseExpires() {
        // given: the holder is never started: its start lease (30 s) ends
        admitted();
        String waiter = waiter(60);
        driver.facts();

        // when
        driver.advance(Duration.ofSeconds(31));

        // then
        List<SessionEvent> facts = driver.facts();
        assertThat(facts).extracting(SessionEvent::typeName).containsExactly("ended", "dequeued", "admitted");
        assertThat(facts.get(2).sessionId()).isEqualTo(waiter);
        assertAudited();
    }

    @Test
    void shouldTellAWaiterItsPlaceInLineByItsKey() {
        // given
        admitted();
        driver.request("alpha", 1, 30, "key-a", null);
        String second = driver.request("alpha", 1, 30, "key-b", null);
        driver.facts();
        driver.replies();

        // when
        driver.command(new ai.ojin.session.events.command.LinePosition("q-1", "alpha", driver.now(),
                ai.ojin.session.events.command.IdempotencyKeys.keyHash("key-b"), 4));
        driver.command(new ai.ojin.session.events.command.LinePosition("q-2", "alpha", driver.now(),
                ai.ojin.session.events.command.IdempotencyKeys.keyHash("unknown"), 4));

        // then
        List<SessionReply> replies = driver.replies();
        assertThat(replies.get(0).sessionId()).isEqualTo(second);
        assertThat(replies.get(0).waitingId()).isEqualTo("q-1");
        assertThat(replies.get(0).position()).isEqualTo(2);
        assertThat(replies.get(0).lineLength()).isEqualTo(2);
        assertThat(replies.get(1).waitingId()).isEqualTo("q-2");
        assertThat(replies.get(1).errorCode()).isEqualTo(ErrorCode.SESSION_NOT_FOUND);
        assertThat(driver.facts()).isEmpty();
    }

    @Test
    void shouldRecordEveryWaiterAsRequestedFirst() {
        // given
        admitted();

        // when
        String waiter = waiter(30);

        // then
        assertThat(driver.facts()).extracting(SessionEvent::typeName).containsExactly("requested", "queued");
        assertThat(driver.allFacts()).filteredOn(SessionRequested.class::isInstance)
                .extracting(SessionEvent::sessionId).contains(waiter);
    }

    private String admitted() {
        String session = driver.request("alpha", 0);
        assertThat(driver.facts()).filteredOn(SessionAdmitted.class::isInstance).hasSize(1);
        return session;
    }

    private String waiter(int seconds) {
        return driver.request("alpha", 1, seconds, null, null);
    }

    private void assertAudited() {
        AuditReport report = AuditCheck.check(driver.allFacts());
        assertThat(report.ok()).as(report.toString()).isTrue();
    }
}
