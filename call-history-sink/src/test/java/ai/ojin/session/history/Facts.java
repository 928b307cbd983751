package ai.ojin.session.history;

import ai.ojin.session.events.SessionIds;
import ai.ojin.session.events.command.EndReason;
import ai.ojin.session.events.command.ParticipantPresence.Role;
import ai.ojin.session.events.fact.ParticipantJoined;
import ai.ojin.session.events.fact.ParticipantLeft;
import ai.ojin.session.events.fact.SessionAdmitted;
import ai.ojin.session.events.fact.SessionDequeued;
import ai.ojin.session.events.fact.SessionEnded;
import ai.ojin.session.events.fact.SessionEvent;
import ai.ojin.session.events.fact.SessionFailed;
import ai.ojin.session.events.fact.SessionQueued;
import ai.ojin.session.events.fact.SessionRejected;
import ai.ojin.session.events.fact.SessionRepeated;
import ai.ojin.session.events.fact.SessionRequested;
import ai.ojin.session.events.fact.SessionStarted;
import ai.ojin.session.events.reply.ErrorCode;
import java.time.Instant;
import java.util.List;

/** Builders of the fact sequences the session processor writes for each kind of call. */
public record Facts(String sessionId, String agentId, String clientUserRef, Instant requestedAt) {

    public static final String ORIGIN = "https://widget.example.com";

    public static Facts call(String agentId, String clientUserRef, Instant requestedAt) {
        return new Facts(SessionIds.newSessionId(agentId), agentId, clientUserRef, requestedAt);
    }

    public SessionRequested requested() {
        return new SessionRequested(sessionId, agentId, requestedAt, clientUserRef, ORIGIN, requestedAt);
    }

    public SessionAdmitted admitted() {
        Instant at = requestedAt.plusMillis(3);
        return new SessionAdmitted(sessionId, agentId, at, clientUserRef, 1, 2, 1, 600, at.plusSeconds(30),
                at.plusSeconds(10));
    }

    public SessionRejected rejected(ErrorCode code) {
        return new SessionRejected(sessionId, agentId, requestedAt.plusMillis(2), code,
                code == ErrorCode.CONCURRENCY_LIMIT ? 5 : null, 2, 2);
    }

    public SessionStarted started() {
        Instant at = requestedAt.plusMillis(800);
        return new SessionStarted(sessionId, agentId, at, sessionId, "https://x.daily.co/" + sessionId,
                at.plusSeconds(600));
    }

    public SessionFailed failed(ErrorCode code) {
        return new SessionFailed(sessionId, agentId, requestedAt.plusSeconds(2), code, 0);
    }

    public SessionEnded ended(EndReason reason, long secondsAfterStart) {
        return new SessionEnded(sessionId, agentId, started().at().plusSeconds(secondsAfterStart), reason, 0);
    }

    public List<SessionEvent> completed(long seconds) {
        return List.of(requested(), admitted(), started(), ended(EndReason.MEETING_ENDED, seconds));
    }

    public List<SessionEvent> rejectedCall() {
        return List.of(requested(), rejected(ErrorCode.CONCURRENCY_LIMIT));
    }

    public List<SessionEvent> failedCall() {
        return List.of(requested(), admitted(), failed(ErrorCode.ORCHESTRATOR_ERROR));
    }

    public List<SessionEvent> abandonedCall() {
        return List.of(requested(), admitted(), ended(EndReason.ABANDONED, 1));
    }

    public ParticipantJoined joined(Role role, String participantId, long secondsAfterStart) {
        Instant at = started().at().plusSeconds(secondsAfterStart);
        return new ParticipantJoined(sessionId, agentId, at, role, participantId, at, at.plusSeconds(630));
    }

    public ParticipantLeft left(Role role, String participantId, long secondsAfterStart) {
        Instant at = started().at().plusSeconds(secondsAfterStart);
        return new ParticipantLeft(sessionId, agentId, at, role, participantId, at, at.plusSeconds(30));
    }

    /** Started, only the bot joined, nobody else: ended no_show at the join timeout. */
    public List<SessionEvent> noShowCall() {
        return List.of(requested(), admitted(), started(), joined(Role.BOT, "p-bot", 2), ended(EndReason.NO_SHOW, 60));
    }

    /** The user joined, left after 40 s and did not come back. */
    public List<SessionEvent> userLeftCall() {
        return List.of(requested(), admitted(), started(), joined(Role.BOT, "p-bot", 2), joined(Role.USER, "p-user", 5),
                left(Role.USER, "p-user", 45), ended(EndReason.USER_LEFT, 75));
    }

    public List<SessionEvent> expiredCall() {
        return List.of(requested(), admitted(), ended(EndReason.LEASE_EXPIRED, 30));
    }

    /** The agent was full: the request joined its line (first in it). */
    public SessionQueued queued() {
        Instant at = requestedAt.plusMillis(2);
        return new SessionQueued(sessionId, agentId, at, 1, at.plusSeconds(30), 2, 2);
    }

    /** It left the line {@code secondsWaited} after it joined. */
    public SessionDequeued dequeued(SessionDequeued.Outcome outcome, long secondsWaited) {
        return new SessionDequeued(sessionId, agentId, queued().at().plusSeconds(secondsWaited), outcome, queued().at());
    }

    /** A connect repeated with this session's idempotency key while it is up. */
    public SessionRepeated repeated(String correlationId) {
        Instant at = started().at().plusSeconds(3);
        return new SessionRepeated(sessionId, agentId, at, correlationId, 1, "host/p1", at.plusSeconds(10), sessionId,
                "https://x.daily.co/" + sessionId, 600);
    }

    /** Waited 4 s, admitted when a slot freed, talked for {@code seconds}, repeated once while up. */
    public List<SessionEvent> admittedWaiterCall(long seconds) {
        SessionDequeued dequeued = dequeued(SessionDequeued.Outcome.ADMITTED, 4);
        SessionAdmitted admitted = admitted();
        SessionAdmitted waiterAdmitted = new SessionAdmitted(sessionId, agentId, dequeued.at(), clientUserRef,
                admitted.replyPartition(), 2, 2, 600, dequeued.at().plusSeconds(30), dequeued.at().plusSeconds(10));
        return List.of(requested(), queued(), dequeued, waiterAdmitted, started(), repeated(sessionId + "-r"),
                ended(EndReason.MEETING_ENDED, seconds));
    }

    /** Waited its whole 30 s: rejected with concurrency_limit at its wait's end. */
    public List<SessionEvent> timedOutWaiterCall() {
        SessionDequeued dequeued = dequeued(SessionDequeued.Outcome.TIMED_OUT, 30);
        return List.of(requested(), queued(), dequeued, new SessionRejected(sessionId, agentId, dequeued.at(),
                ErrorCode.CONCURRENCY_LIMIT, 5, 2, 2));
    }

    /** Its caller went away after 7 s in the line: nothing follows. */
    public List<SessionEvent> goneWaiterCall() {
        return List.of(requested(), queued(), dequeued(SessionDequeued.Outcome.GONE, 7));
    }
}
