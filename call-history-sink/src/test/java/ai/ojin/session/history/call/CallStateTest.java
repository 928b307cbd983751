package ai.ojin.session.history.call;

import static org.assertj.core.api.Assertions.assertThat;

import ai.ojin.session.events.command.EndReason;
import ai.ojin.session.events.fact.SessionDequeued;
import ai.ojin.session.events.fact.SessionEvent;
import ai.ojin.session.events.history.CallRecord;
import ai.ojin.session.events.reply.ErrorCode;
import ai.ojin.session.history.Facts;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class CallStateTest {

    private final Facts call = Facts.call("agent-1", "user-7", Instant.parse("2026-03-01T10:00:00.123456789Z"));

    @Test
    void shouldFoldACompletedCallWithDurationRoomAndEndReason() {
        // when
        CallRecord record = fold(call.completed(65)).toCallRecord();

        // then
        assertThat(record).isEqualTo(new CallRecord(call.sessionId(), "agent-1", "user-7", Facts.ORIGIN,
                CallState.COMPLETED, null, Instant.parse("2026-03-01T10:00:00.123456Z"),
                Instant.parse("2026-03-01T10:00:00.923456Z"), Instant.parse("2026-03-01T10:01:05.923456Z"),
                EndReason.MEETING_ENDED, 65L, call.sessionId()));
    }

    @Test
    void shouldBePublishableOnlyOnceFinishedAndItsRequestIsKnown() {
        // given: the end read before the request (a fold of facts in reverse order)
        CallState endOnly = fold(List.of(call.ended(EndReason.MEETING_ENDED, 65)));
        CallState endAndStart = fold(List.of(call.ended(EndReason.MEETING_ENDED, 65), call.started(), call.admitted()));

        // then: finished, but its key (client_user_ref) is not known before the request
        assertThat(endOnly.finished()).isTrue();
        assertThat(endOnly.publishable()).isFalse();
        assertThat(endAndStart.publishable()).isFalse();
        assertThat(fold(call.completed(65)).publishable()).isTrue();
        assertThat(fold(List.of(call.requested(), call.admitted())).publishable()).isFalse();
        assertThat(fold(call.rejectedCall()).publishable()).isTrue();
    }

    @Test
    void shouldMapEveryOutcome() {
        assertThat(fold(call.rejectedCall()).toCallRecord())
                .extracting(CallRecord::outcome, CallRecord::errorCode, CallRecord::durationSeconds)
                .containsExactly("rejected", ErrorCode.CONCURRENCY_LIMIT, null);
        assertThat(fold(call.failedCall()).toCallRecord())
                .extracting(CallRecord::outcome, CallRecord::errorCode)
                .containsExactly("failed", ErrorCode.ORCHESTRATOR_ERROR);
        assertThat(fold(call.abandonedCall()).toCallRecord())
                .extracting(CallRecord::outcome, CallRecord::endReason, CallRecord::errorCode)
                .containsExactly("abandoned", EndReason.ABANDONED, null);
        assertThat(fold(call.expiredCall()).toCallRecord())
                .extracting(CallRecord::outcome, CallRecord::endReason, CallRecord::durationSeconds)
                .containsExactly("expired", EndReason.LEASE_EXPIRED, null);
        assertThat(fold(call.noShowCall()).toCallRecord())
                .extracting(CallRecord::outcome, CallRecord::endReason, CallRecord::durationSeconds, CallRecord::errorCode)
                .containsExactly("no_show", EndReason.NO_SHOW, null, null);
        assertThat(fold(call.userLeftCall()).toCallRecord())
                .extracting(CallRecord::outcome, CallRecord::endReason, CallRecord::durationSeconds)
                .containsExactly("completed", EndReason.USER_LEFT, 75L);
        assertThat(fold(List.of(call.requested(), call.admitted(), call.started(), call.ended(EndReason.LEASE_EXPIRED, 600)))
                .toCallRecord())
                .extracting(CallRecord::outcome, CallRecord::durationSeconds)
                .containsExactly("completed", 600L);
    }

    @Test
    void shouldFoldParticipantFactsInAnyOrderWithoutChangingTheRecordButRememberTheUsersJoin() {
        // given
        List<SessionEvent> facts = new ArrayList<>(call.userLeftCall());
        List<SessionEvent> reversed = new ArrayList<>(facts);
        java.util.Collections.reverse(reversed);
        List<SessionEvent> withoutParticipants = facts.stream()
                .filter(f -> !(f instanceof ai.ojin.session.events.fact.ParticipantJoined)
                        && !(f instanceof ai.ojin.session.events.fact.ParticipantLeft)).toList();

        // when
        CallState inOrder = fold(facts);
        CallState backwards = fold(reversed);

        // then
        assertThat(backwards).isEqualTo(inOrder);
        assertThat(inOrder.toCallRecord()).isEqualTo(fold(withoutParticipants).toCallRecord());
        assertThat(inOrder.has(CallState.Fact.USER_JOINED)).isTrue();
        assertThat(fold(call.noShowCall()).has(CallState.Fact.USER_JOINED)).isFalse();
    }

    @Test
    void shouldNotBeFinishedBeforeAFinishingFact() {
        // when
        CallState state = fold(List.of(call.requested(), call.admitted(), call.started()));

        // then
        assertThat(state.finished()).isFalse();
        assertThat(state.progress()).isEqualTo(3);
        assertThat(state.toCallRecord().outcome()).isNull();
    }

    @Test
    void shouldGiveTheSameStateForEveryOrderOfTheFactsWithDuplicates() {
        // given
        List<SessionEvent> facts = new ArrayList<>(call.completed(42));
        CallState inOrder = fold(facts);

        // when / then: every permutation, each followed by the whole sequence again (duplicates)
        for (List<SessionEvent> order : permutations(facts)) {
            List<SessionEvent> withDuplicates = new ArrayList<>(order);
            withDuplicates.addAll(order);
            assertThat(fold(withDuplicates)).as("order %s", order.stream().map(SessionEvent::typeName).toList())
                    .isEqualTo(inOrder);
        }
    }

    @Test
    void shouldNeverLetAnOlderFactMoveAFinishedCallBack() {
        // given
        CallState ended = fold(call.completed(10));

        // when
        CallState replayed = ended.merge(CallState.of(call.requested())).merge(CallState.of(call.started()));

        // then
        assertThat(replayed).isEqualTo(ended);
        assertThat(replayed.progress()).isEqualTo(4);
    }

    @Test
    void shouldUseTheEarliestFactTimeUntilTheRequestedFactArrives() {
        // when
        CallState withoutRequest = fold(List.of(call.started(), call.admitted()));

        // then
        assertThat(withoutRequest.requestedAt()).isEqualTo(call.admitted().at().truncatedTo(java.time.temporal.ChronoUnit.MICROS));
        assertThat(withoutRequest.merge(CallState.of(call.requested())).requestedAt())
                .isEqualTo(Instant.parse("2026-03-01T10:00:00.123456Z"));
    }

    @Test
    void shouldFoldTheLinesFactsAWaiterThatLeftAsAbandonedAndATimedOutOneAsRejected() {
        // given: the facts of a waiter that went away, of one whose wait ran out, of one admitted in its turn
        Instant at = call.requestedAt();
        var queued = new ai.ojin.session.events.fact.SessionQueued(call.sessionId(), "agent-1", at.plusMillis(2), 1,
                at.plusSeconds(30), 2, 2);
        List<SessionEvent> gone = List.of(call.requested(), queued, dequeued(SessionDequeued.Outcome.GONE, 5));
        List<SessionEvent> timedOut = List.of(call.requested(), queued, dequeued(SessionDequeued.Outcome.TIMED_OUT, 30),
                call.rejected(ErrorCode.CONCURRENCY_LIMIT));
        List<SessionEvent> admitted = new ArrayList<>(call.completed(65));
        admitted.add(1, queued);
        admitted.add(2, dequeued(SessionDequeued.Outcome.ADMITTED, 0));
        List<SessionEvent> goneReversed = new ArrayList<>(gone);
        java.util.Collections.reverse(goneReversed);

        // then
        assertThat(fold(gone).toCallRecord()).extracting(CallRecord::outcome, CallRecord::errorCode, CallRecord::endedAt)
                .containsExactly("abandoned", null, at.plusSeconds(5).truncatedTo(java.time.temporal.ChronoUnit.MICROS));
        assertThat(fold(gone).publishable()).isTrue();
        assertThat(fold(goneReversed)).isEqualTo(fold(gone));
        assertThat(fold(timedOut).toCallRecord()).extracting(CallRecord::outcome, CallRecord::errorCode)
                .containsExactly("rejected", ErrorCode.CONCURRENCY_LIMIT);
        assertThat(fold(admitted).toCallRecord()).isEqualTo(fold(call.completed(65)).toCallRecord());
    }

    private SessionDequeued dequeued(SessionDequeued.Outcome outcome, long seconds) {
        return new SessionDequeued(call.sessionId(), "agent-1", call.requestedAt().plusSeconds(seconds), outcome,
                call.requestedAt().plusMillis(2));
    }

    private static CallState fold(List<SessionEvent> facts) {
        CallState state = null;
        for (SessionEvent fact : facts) {
            state = state == null ? CallState.of(fact) : state.merge(CallState.of(fact));
        }
        return state;
    }

    private static List<List<SessionEvent>> permutations(List<SessionEvent> items) {
        if (items.isEmpty()) {
            return List.of(List.of());
        }
        List<List<SessionEvent>> result = new ArrayList<>();
        for (SessionEvent first : items) {
            List<SessionEvent> rest = new ArrayList<>(items);
            rest.remove(first);
            for (List<SessionEvent> tail : permutations(rest)) {
                List<SessionEvent> order = new ArrayList<>();
                order.add(first);
                order.addAll(tail);
                result.add(order);
            }
        }
        return result;
    }
}
