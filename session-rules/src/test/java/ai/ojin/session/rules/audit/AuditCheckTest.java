package ai.ojin.session.rules.audit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

import ai.ojin.session.rules.audit.Violation.Kind;
import ai.ojin.session.events.command.EndReason;
import ai.ojin.session.events.command.ParticipantPresence.Role;
import ai.ojin.session.events.fact.ParticipantJoined;
import ai.ojin.session.events.fact.ParticipantLeft;
import ai.ojin.session.events.fact.SessionAdmitted;
import ai.ojin.session.events.fact.SessionEnded;
import ai.ojin.session.events.fact.SessionDequeued;
import ai.ojin.session.events.fact.SessionEvent;
import ai.ojin.session.events.fact.SessionQueued;
import ai.ojin.session.events.fact.SessionRepeated;
import ai.ojin.session.events.fact.SessionFailed;
import ai.ojin.session.events.fact.SessionRejected;
import ai.ojin.session.events.fact.SessionRequested;
import ai.ojin.session.events.fact.SessionStarted;
import ai.ojin.session.events.reply.ErrorCode;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

class AuditCheckTest {

    private final Instant now = Instant.parse("2026-11-28T12:00:00Z");

    @Test
    void shouldPassACleanLifecycleOfTwoAgents() {
        // given
        List<SessionEvent> facts = List.of(
                requested("a_1", "a"), admitted("a_1", "a", 2, 1),
                requested("b_1", "b"), admitted("b_1", "b", 1, 1),
                requested("a_2", "a"), admitted("a_2", "a", 2, 2),
                requested("a_3", "a"), rejected("a_3", "a"),
                started("a_1", "a"), ended("a_1", "a", 1),
                failed("a_2", "a", 0),
                requested("a_4", "a"), admitted("a_4", "a", 2, 1),
                started("a_4", "a"),
                new ParticipantJoined("a_4", "a", now, Role.USER, "p1", now, now.plusSeconds(630)),
                new ParticipantLeft("a_4", "a", now, Role.USER, "p1", now, now.plusSeconds(30)),
                new SessionEnded("a_4", "a", now, EndReason.USER_LEFT, 0));

        // when
        AuditReport report = AuditCheck.check(facts);

        // then
        assertThat(report.ok()).as(report.toString()).isTrue();
        assertThat(report.factsChecked()).isEqualTo(facts.size());
        assertThat(report.admissions()).isEqualTo(4);
        assertThat(report.violations()).isEmpty();
        assertThat(report.maxActiveByAgent()).containsEntry("a", 2).containsEntry("b", 1);
    }

    @Test
    void shouldReportAnAdmissionWhoseActiveAfterExceedsItsLimit() {
        // given
        List<SessionEvent> facts = List.of(admitted("a_1", "a", 1, 2));

        // when
        AuditReport report = AuditCheck.check(facts);

        // then
        assertThat(report.ok()).isFalse();
        assertThat(report.violationsOf(Kind.ADMITTED_ABOVE_LIMIT)).singleElement()
                .satisfies(v -> assertThat(v.sessionId()).isEqualTo("a_1"));
    }

    @Test
    void shouldReportARecomputedActiveCountAboveTheLimitEvenWhenTheFactsClaimOtherwise() {
        // given: each fact claims active_after 1, but two sessions are live at once under limit 1
        List<SessionEvent> facts = List.of(admitted("a_1", "a", 1, 1), admitted("a_2", "a", 1, 1));

        // when
        AuditReport report = AuditCheck.check(facts);

        // then
        assertThat(report.violations()).singleElement().satisfies(v -> {
            assertThat(v.kind()).isEqualTo(Kind.ACTIVE_ABOVE_LIMIT);
            assertThat(v.sessionId()).isEqualTo("a_2");
            assertThat(v.position()).isEqualTo(1);
        });
    }

    @Test
    void shouldCountAgentsIndependently() {
        // given
        List<SessionEvent> facts = List.of(admitted("a_1", "a", 1, 1), admitted("b_1", "b", 1, 1));

        // when / then
        assertThat(AuditCheck.check(facts).ok()).isTrue();
    }

    @Test
    void shouldReportASessionEndedTwiceAndNotFreeItsSlotTwice() {
        // given
        List<SessionEvent> facts = List.of(
                admitted("a_1", "a", 1, 1), ended("a_1", "a", 0), failed("a_1", "a", 0),
                admitted("a_2", "a", 1, 1), ended("a_2", "a", 0), ended("a_2", "a", 0),
                admitted("a_3", "a", 1, 1), admitted("a_4", "a", 2, 2));

        // when
        AuditReport report = AuditCheck.check(facts);

        // then
        assertThat(report.violationsOf(Kind.ENDED_TWICE)).extracting(Violation::sessionId).containsExactly("a_1", "a_2");
        assertThat(report.violationsOf(Kind.ACTIVE_ABOVE_LIMIT)).isEmpty();
        assertThat(report.maxActiveByAgent()).containsEntry("a", 2);
    }

    @Test
    void shouldReportStartAndEndWithoutAdmission() {
        // given
        List<SessionEvent> facts = List.of(requested("a_1", "a"), started("a_1", "a"), ended("a_2", "a", 0),
                failed("a_3", "a", 0));

        // when
        AuditReport report = AuditCheck.check(facts);

        // then
        assertThat(report.violationsOf(Kind.START_WITHOUT_ADMISSION)).extracting(Violation::sessionId).containsExactly("a_1");
        assertThat(report.violationsOf(Kind.END_WITHOUT_ADMISSION)).extracting(Violation::sessionId)
                .containsExactly("a_2", "a_3");
    }

    @Test
    void shouldReportAStartAfterTheEnd() {
        // given
        List<SessionEvent> facts = List.of(admitted("a_1", "a", 1, 1), ended("a_1", "a", 0), started("a_1", "a"));

        // when / then
        assertThat(AuditCheck.check(facts).violations()).extracting(Violation::kind).containsExactly(Kind.START_AFTER_END);
    }

    @Test
    void shouldReportADuplicateAdmission() {
        // given
        List<SessionEvent> facts = List.of(admitted("a_1", "a", 5, 1), admitted("a_1", "a", 5, 2));

        // when
        AuditReport report = AuditCheck.check(facts);

        // then
        assertThat(report.violations()).extracting(Violation::kind).containsExactly(Kind.DUPLICATE_ADMISSION);
    }

    private static final AuditCheck.Timing TIMING = new AuditCheck.Timing(java.time.Duration.ofSeconds(5), null);

    @Test
    void shouldPassTheTimingRulesWhenLeasesAreEnforcedInTime() {
        // given: admitted (lease 30 s), started at +10 s (lease to +640 s), ended at +100 s; a second
        // session that expires 2 s after its start lease (within the 5 s tolerance)
        List<SessionEvent> facts = List.of(
                admitted("a_1", "a", 2, 1),
                new SessionStarted("a_1", "a", now.plusSeconds(10), "a_1", "https://x", now.plusSeconds(640)),
                admitted("a_2", "a", 2, 2),
                new SessionEnded("a_2", "a", now.plusSeconds(32), EndReason.LEASE_EXPIRED, 1),
                new SessionEnded("a_1", "a", now.plusSeconds(100), EndReason.END_CALL, 0));

        // when
        AuditReport report = AuditCheck.check(facts, TIMING);

        // then
        assertThat(report.ok()).as(report.toString()).isTrue();
    }

    @Test
    void shouldReportAnAdmissionAfterItsDeadlineOnlyWithTheTimingRules() {
        // given: admitted 1 ms after the request's deadline
        SessionAdmitted late = new SessionAdmitted("a_1", "a", now.plusMillis(1), null, 0, 1, 1, 600,
                now.plusSeconds(30), now);

        // when
        AuditReport invariants = AuditCheck.check(List.of(late));
        AuditReport timed = AuditCheck.check(List.of(late), TIMING);

        // then
        assertThat(invariants.ok()).isTrue();
        assertThat(timed.violations()).singleElement().satisfies(v -> {
            assertThat(v.kind()).isEqualTo(Kind.ADMITTED_AFTER_DEADLINE);
            assertThat(v.position()).isZero();
        });
    }

    @Test
    void shouldReportASessionEndedOrStartedPastItsLease() {
        // given: a_1's start lease ends at +30 s but it starts at +40 s; a_2 (started, lease to
        // +630 s) ends at +700 s
        List<SessionEvent> facts = List.of(
                admitted("a_1", "a", 5, 1),
                new SessionStarted("a_1", "a", now.plusSeconds(40), "a_1", "https://x", now.plusSeconds(670)),
                admitted("a_2", "a", 5, 2),
                started("a_2", "a"),
                new SessionEnded("a_2", "a", now.plusSeconds(700), EndReason.MEETING_ENDED, 1),
                new SessionEnded("a_1", "a", now.plusSeconds(100), EndReason.END_CALL, 0));

        // when
        AuditReport report = AuditCheck.check(facts, TIMING);

        // then
        assertThat(report.violationsOf(Kind.LIVE_PAST_LEASE)).extracting(Violation::sessionId, Violation::position)
                .containsExactly(org.assertj.core.groups.Tuple.tuple("a_1", 1L), org.assertj.core.groups.Tuple.tuple("a_2", 4L));
        assertThat(report.violations()).hasSize(2);
    }

    @Test
    void shouldReportASessionStillLiveLongAfterItsLeaseAtTheEndOfTheLog() {
        // given: a_1 admitted (lease to +30 s), never ended, and the log goes on until +60 s
        List<SessionEvent> facts = List.of(
                admitted("a_1", "a", 5, 1),
                requested("b_1", "b"),
                new SessionRequested("b_2", "b", now.plusSeconds(60), null, null, now.plusSeconds(60)));

        // when
        AuditReport report = AuditCheck.check(facts, TIMING);
        AuditReport early = AuditCheck.check(facts.subList(0, 2), TIMING);

        // then: reported at the fact that set the lease; not while the log is younger than the lease
        assertThat(report.violations()).singleElement().satisfies(v -> {
            assertThat(v.kind()).isEqualTo(Kind.LIVE_PAST_LEASE);
            assertThat(v.sessionId()).isEqualTo("a_1");
            assertThat(v.position()).isZero();
        });
        assertThat(early.ok()).isTrue();
    }

    @Test
    void shouldPassALineServedInOrderWithRepeatsOfLiveSessions() {
        // given: limit 1, a holder, two waiters (the first leaves, the second is admitted in its turn), a repeat
        List<SessionEvent> facts = List.of(
                requested("a_1", "a"), admitted("a_1", "a", 1, 1),
                requested("a_2", "a"), queued("a_2", "a", 1),
                requested("a_3", "a"), queued("a_3", "a", 2),
                requested("a_4", "a"), rejected("a_4", "a", 1, 1),
                dequeued("a_2", "a", SessionDequeued.Outcome.GONE),
                ended("a_1", "a", 0), dequeued("a_3", "a", SessionDequeued.Outcome.ADMITTED), admitted("a_3", "a", 1, 1),
                started("a_3", "a"), repeated("a_3", "a"));

        // when
        AuditReport report = AuditCheck.check(facts);

        // then
        assertThat(report.violations()).isEmpty();
        assertThat(report.maxActiveByAgent()).containsEntry("a", 1);
    }

    @Test
    void shouldReportAWaiterAdmittedBeforeOneQueuedEarlier() {
        // given
        List<SessionEvent> facts = List.of(admitted("a_1", "a", 1, 1), queued("a_2", "a", 1), queued("a_3", "a", 2),
                ended("a_1", "a", 0), dequeued("a_3", "a", SessionDequeued.Outcome.ADMITTED), admitted("a_3", "a", 1, 1));

        // then
        assertThat(AuditCheck.check(facts).violationsOf(Kind.LINE_OUT_OF_ORDER)).singleElement()
                .satisfies(v -> assertThat(v.sessionId()).isEqualTo("a_3"));
    }

    @Test
    void shouldReportAPlainAdmissionWhileOthersWaitAndAnAdmissionOfAWaiterStillInLine() {
        // given
        List<SessionEvent> jumped = List.of(queued("a_2", "a", 1), admitted("a_5", "a", 2, 1));
        List<SessionEvent> stillWaiting = List.of(queued("a_2", "a", 1), admitted("a_2", "a", 2, 1));

        // then
        assertThat(AuditCheck.check(jumped).violationsOf(Kind.LINE_JUMPED)).singleElement()
                .satisfies(v -> assertThat(v.sessionId()).isEqualTo("a_5"));
        assertThat(AuditCheck.check(stillWaiting).violationsOf(Kind.LINE_JUMPED)).singleElement()
                .satisfies(v -> assertThat(v.sessionId()).isEqualTo("a_2"));
    }

    @Test
    void shouldReportADequeueOutsideTheLineAndAnAdmissionAfterLeavingIt() {
        // given
        List<SessionEvent> facts = List.of(dequeued("a_9", "a", SessionDequeued.Outcome.ADMITTED),
                queued("a_2", "a", 1), dequeued("a_2", "a", SessionDequeued.Outcome.TIMED_OUT),
                dequeued("a_2", "a", SessionDequeued.Outcome.GONE), admitted("a_2", "a", 1, 1));

        // when
        AuditReport report = AuditCheck.check(facts);

        // then
        assertThat(report.violationsOf(Kind.DEQUEUED_NOT_IN_LINE)).extracting(Violation::sessionId)
                .containsExactly("a_9", "a_2");
        assertThat(report.violationsOf(Kind.ADMITTED_AFTER_LEAVING_LINE)).singleElement()
                .satisfies(v -> assertThat(v.sessionId()).isEqualTo("a_2"));
    }

    @Test
    void shouldReportARepeatOfASessionThatIsNotLive() {
        // given
        List<SessionEvent> facts = List.of(repeated("a_1", "a"), admitted("a_2", "a", 1, 1), ended("a_2", "a", 0),
                repeated("a_2", "a"));

        // then
        assertThat(AuditCheck.check(facts).violationsOf(Kind.REPEAT_WITHOUT_LIVE_SESSION)).extracting(Violation::sessionId)
                .containsExactly("a_1", "a_2");
    }

    @Test
    void shouldReportADequeuedAdmittedNotFollowedByItsAdmission() {
        // given: a_2's admission is not the agent's next fact (another agent's fact in between does not matter);
        // a_3 is dequeued admitted as the log ends
        List<SessionEvent> facts = List.of(
                admitted("a_1", "a", 1, 1), queued("a_2", "a", 1), queued("a_3", "a", 2), ended("a_1", "a", 0),
                dequeued("a_2", "a", SessionDequeued.Outcome.ADMITTED),                  // #4
                admitted("b_1", "b", 1, 1), started("a_1", "a"),
                dequeued("a_3", "a", SessionDequeued.Outcome.ADMITTED));                 // #7
        List<SessionEvent> followed = List.of(
                admitted("a_1", "a", 1, 1), queued("a_2", "a", 1), ended("a_1", "a", 0),
                dequeued("a_2", "a", SessionDequeued.Outcome.ADMITTED), admitted("b_1", "b", 1, 1),
                admitted("a_2", "a", 1, 1));

        // when
        AuditReport report = AuditCheck.check(facts);

        // then
        assertThat(report.violationsOf(Kind.DEQUEUED_WITHOUT_ADMISSION))
                .extracting(Violation::sessionId, Violation::position)
                .containsExactly(tuple("a_2", 4L), tuple("a_3", 7L));
        assertThat(AuditCheck.check(followed).violations()).isEmpty();
    }

    @Test
    void shouldReportAWaiterOrARepeatCountedAsASlot() {
        // given: the second waiter's queued fact counts the first waiter as active (limit 1, one slot held);
        // after a repeat, an admission of agent b counts the repeat as a slot
        List<SessionEvent> facts = List.of(
                admitted("a_1", "a", 1, 1), queued("a_2", "a", 1), queuedCounting("a_3", "a", 2, 2),
                admitted("b_1", "b", 3, 1), started("b_1", "b"), repeated("b_1", "b"), admitted("b_2", "b", 3, 3));

        // when
        AuditReport report = AuditCheck.check(facts);

        // then
        assertThat(report.violations()).extracting(Violation::kind, Violation::sessionId, Violation::position)
                .containsExactly(tuple(Kind.COUNTED_WITHOUT_SLOT, "a_3", 2L), tuple(Kind.COUNTED_WITHOUT_SLOT, "b_2", 6L));
    }

    private SessionQueued queuedCounting(String session, String agent, int position, int active) {
        return new SessionQueued(session, agent, now, position, now.plusSeconds(30), 1, active);
    }

    private SessionRejected rejected(String session, String agent, int limit, int active) {
        return new SessionRejected(session, agent, now, ErrorCode.CONCURRENCY_LIMIT, 5, limit, active);
    }

    private SessionQueued queued(String session, String agent, int position) {
        return new SessionQueued(session, agent, now, position, now.plusSeconds(30), 1, 1);
    }

    private SessionDequeued dequeued(String session, String agent, SessionDequeued.Outcome outcome) {
        return new SessionDequeued(session, agent, now, outcome, now);
    }

    private SessionRepeated repeated(String session, String agent) {
        return new SessionRepeated(session, agent, now, "r-" + session, 0, "api-1", now.plusSeconds(10), session,
                "https://x.daily.co/" + session, 600);
    }

    private SessionRequested requested(String session, String agent) {
        return new SessionRequested(session, agent, now, null, null, now);
    }

    private SessionAdmitted admitted(String session, String agent, int limit, int activeAfter) {
        return new SessionAdmitted(session, agent, now, null, 0, limit, activeAfter, 600, now.plusSeconds(30),
                now.plusSeconds(10));
    }

    private SessionRejected rejected(String session, String agent) {
        return new SessionRejected(session, agent, now, ErrorCode.CONCURRENCY_LIMIT, 5, 2, 2);
    }

    private SessionStarted started(String session, String agent) {
        return new SessionStarted(session, agent, now, session, "https://x.daily.co/" + session, now.plusSeconds(630));
    }

    private SessionEnded ended(String session, String agent, int activeAfter) {
        return new SessionEnded(session, agent, now, EndReason.MEETING_ENDED, activeAfter);
    }

    private SessionFailed failed(String session, String agent, int activeAfter) {
        return new SessionFailed(session, agent, now, ErrorCode.ROOM_CREATION_FAILED, activeAfter);
    }
}
