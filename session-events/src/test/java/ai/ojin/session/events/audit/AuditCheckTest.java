package ai.ojin.session.events.audit;

import static org.assertj.core.api.Assertions.assertThat;

import ai.ojin.session.events.audit.Violation.Kind;
import ai.ojin.session.events.command.EndReason;
import ai.ojin.session.events.command.ParticipantPresence.Role;
import ai.ojin.session.events.fact.ParticipantJoined;
import ai.ojin.session.events.fact.ParticipantLeft;
import ai.ojin.session.events.fact.SessionAdmitted;
import ai.ojin.session.events.fact.SessionEnded;
import ai.ojin.session.events.fact.SessionEvent;
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
