package ai.ojin.session.history.call;

import ai.ojin.session.events.command.EndReason;
import ai.ojin.session.events.command.ParticipantPresence.Role;
import ai.ojin.session.events.fact.ParticipantJoined;
import ai.ojin.session.events.fact.ParticipantLeft;
import ai.ojin.session.events.fact.SessionAdmitted;
import ai.ojin.session.events.fact.SessionEnded;
import ai.ojin.session.events.fact.SessionEvent;
import ai.ojin.session.events.fact.SessionFailed;
import ai.ojin.session.events.fact.SessionDequeued;
import ai.ojin.session.events.fact.SessionQueued;
import ai.ojin.session.events.fact.SessionRejected;
import ai.ojin.session.events.fact.SessionRepeated;
import ai.ojin.session.events.fact.SessionRequested;
import ai.ojin.session.events.fact.SessionStarted;
import ai.ojin.session.events.history.CallRecord;
import ai.ojin.session.events.reply.ErrorCode;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Objects;

/**
 * What the facts seen so far say about one session. {@link #merge} is commutative, associative and
 * idempotent, so folding the facts of a session in any order, with any duplicates, gives the same
 * state: a replay or a redelivery can never move a call backwards. Fields are filled, never cleared;
 * among finishing facts, ended beats failed beats rejected.
 *
 * @param requestedAt the requested fact's time; until that fact is seen, the earliest fact time
 * @param endedAt the time of the finishing fact (rejected, failed or ended)
 * @param facts a bit per fact type seen ({@link Fact})
 */
public record CallState(
        String sessionId,
        String agentId,
        String clientUserRef,
        String origin,
        Instant requestedAt,
        Instant startedAt,
        String roomName,
        Instant endedAt,
        EndReason endReason,
        ErrorCode errorCode,
        int facts) {

    public static final String COMPLETED = "completed";
    public static final String REJECTED = "rejected";
    public static final String FAILED = "failed";
    public static final String ABANDONED = "abandoned";
    public static final String EXPIRED = "expired";
    /** The session started but the user never joined its room. */
    public static final String NO_SHOW = "no_show";

    /**
     * The fact types, as bits of {@link #facts}, in the order of a call's progress (appended only:
     * the bits are stored). {@code USER_JOINED}: a {@code joined} fact of the user. {@code GONE}: a
     * {@code dequeued} fact with outcome {@code gone} (the caller left the agent's line: the call is
     * {@code abandoned}, it never held a slot).
     */
    public enum Fact {
        REQUESTED, ADMITTED, STARTED, REJECTED, FAILED, ENDED, USER_JOINED, GONE;

        int bit() {
            return 1 << ordinal();
        }
    }

    public CallState {
        Objects.requireNonNull(sessionId, "sessionId");
    }

    /** The state that one fact alone describes. Times are kept to microseconds, as SQL stores them. */
    public static CallState of(SessionEvent event) {
        String id = event.sessionId();
        Instant at = micros(event.at());
        if (event instanceof SessionRequested f) {
            Instant requested = f.requestedAt() != null ? micros(f.requestedAt()) : at;
            return new CallState(id, f.agentId(), f.clientUserRef(), f.origin(), requested, null, null, null, null, null,
                    Fact.REQUESTED.bit());
        }
        if (event instanceof SessionAdmitted f) {
            return new CallState(id, f.agentId(), f.clientUserRef(), null, at, null, null, null, null, null,
                    Fact.ADMITTED.bit());
        }
        if (event instanceof SessionStarted f) {
            return new CallState(id, f.agentId(), null, null, at, at, f.roomName(), null, null, null, Fact.STARTED.bit());
        }
        if (event instanceof SessionRejected f) {
            return new CallState(id, f.agentId(), null, null, at, null, null, at, null, f.errorCode(), Fact.REJECTED.bit());
        }
        if (event instanceof SessionFailed f) {
            return new CallState(id, f.agentId(), null, null, at, null, null, at, null, f.errorCode(), Fact.FAILED.bit());
        }
        if (event instanceof ParticipantJoined f) {
            int bit = f.role() == Role.USER ? Fact.USER_JOINED.bit() : 0;
            return new CallState(id, f.agentId(), null, null, at, null, null, null, null, null, bit);
        }
        if (event instanceof ParticipantLeft f) {
            // who left changes no call record; the end fact that may follow does
            return new CallState(id, f.agentId(), null, null, at, null, null, null, null, null, 0);
        }
        if (event instanceof SessionDequeued f) {
            // admitted or timed out: the admitted or rejected fact that follows says it
            return f.outcome() == SessionDequeued.Outcome.GONE
                    ? new CallState(id, f.agentId(), null, null, at, null, null, at, EndReason.ABANDONED, null, Fact.GONE.bit())
                    : new CallState(id, f.agentId(), null, null, at, null, null, null, null, null, 0);
        }
        if (event instanceof SessionQueued || event instanceof SessionRepeated) {
            // waiting in line, or a repeated connect answered with this session: no change to the call
            return new CallState(id, event.agentId(), null, null, at, null, null, null, null, null, 0);
        }
        if (event instanceof SessionEnded f) {
            ErrorCode failure = f.reason() == null ? null : f.reason().failure();
            return new CallState(id, f.agentId(), null, null, at, null, null, at, f.reason(), failure, Fact.ENDED.bit());
        }
        throw new IllegalArgumentException("unknown fact " + event.getClass().getName());
    }

    /** This state joined with what another set of facts about the same session says. */
    public CallState merge(CallState other) {
        if (!sessionId.equals(other.sessionId)) {
            throw new IllegalArgumentException("cannot merge " + sessionId + " with " + other.sessionId);
        }
        CallState finisher = finishRank() >= other.finishRank() ? this : other;
        CallState second = finisher == this ? other : this;
        return new CallState(
                sessionId,
                fill(agentId, other.agentId),
                fill(clientUserRef, other.clientUserRef),
                fill(origin, other.origin),
                mergeRequestedAt(other),
                fill(startedAt, other.startedAt),
                fill(roomName, other.roomName),
                fill(finisher.endedAt, second.endedAt),
                fill(finisher.endReason, second.endReason),
                fill(finisher.errorCode, second.errorCode),
                facts | other.facts);
    }

    public boolean has(Fact fact) {
        return (facts & fact.bit()) != 0;
    }

    public boolean finished() {
        return outcome() != null;
    }

    /**
     * Finished, and its {@code requested} fact read: only then are the record's key
     * (client_user_ref) and origin known. A call is published only from then on, so every record of
     * one call has the same key and lands on the same partition of {@code call-history}, in order
     * (facts read out of order, e.g. the end before the request, would otherwise publish a record
     * keyed null first, on another partition, that a reader could take for the newest).
     */
    public boolean publishable() {
        return finished() && has(Fact.REQUESTED);
    }

    /** 0 nothing, 1 requested, 2 admitted, 3 started, 4 finished: how far the call got. */
    public int progress() {
        if (finishRank() > 0) {
            return 4;
        }
        return has(Fact.STARTED) ? 3 : has(Fact.ADMITTED) ? 2 : has(Fact.REQUESTED) ? 1 : 0;
    }

    /** completed, rejected, failed, abandoned, expired or no_show; null while the call is not finished. */
    public String outcome() {
        if (has(Fact.ENDED)) {
            if (endReason == null) {
                return has(Fact.STARTED) ? COMPLETED : ABANDONED;
            }
            if (endReason.failure() != null) {
                return FAILED;
            }
            return switch (endReason) {
                case ABANDONED -> ABANDONED;
                case LEASE_EXPIRED -> has(Fact.STARTED) ? COMPLETED : EXPIRED;
                case END_CALL -> has(Fact.STARTED) ? COMPLETED : ABANDONED;
                case NO_SHOW -> NO_SHOW;
                default -> COMPLETED;
            };
        }
        if (has(Fact.FAILED)) {
            return FAILED;
        }
        if (has(Fact.REJECTED)) {
            return REJECTED;
        }
        return has(Fact.GONE) ? ABANDONED : null;
    }

    /** Whole seconds from started to ended, for completed calls. */
    public Long durationSeconds() {
        if (!COMPLETED.equals(outcome()) || startedAt == null || endedAt == null) {
            return null;
        }
        return Math.max(0, Duration.between(startedAt, endedAt).getSeconds());
    }

    /** The call record as published and listed; error codes only for rejected and failed calls. */
    public CallRecord toCallRecord() {
        String outcome = outcome();
        ErrorCode error = REJECTED.equals(outcome) || FAILED.equals(outcome) ? errorCode : null;
        return new CallRecord(sessionId, agentId, clientUserRef, origin, outcome, error, requestedAt, startedAt,
                outcome == null ? null : endedAt, has(Fact.ENDED) ? endReason : null, durationSeconds(), roomName);
    }

    private int finishRank() {
        return has(Fact.ENDED) ? 3 : has(Fact.FAILED) ? 2 : has(Fact.REJECTED) || has(Fact.GONE) ? 1 : 0;
    }

    private Instant mergeRequestedAt(CallState other) {
        boolean mine = has(Fact.REQUESTED);
        boolean theirs = other.has(Fact.REQUESTED);
        if (mine != theirs) {
            return mine ? requestedAt : other.requestedAt;
        }
        if (requestedAt == null || other.requestedAt == null) {
            return fill(requestedAt, other.requestedAt);
        }
        return requestedAt.isBefore(other.requestedAt) ? requestedAt : other.requestedAt;
    }

    private static <T> T fill(T mine, T theirs) {
        return mine != null ? mine : theirs;
    }

    private static Instant micros(Instant instant) {
        return instant == null ? null : instant.truncatedTo(ChronoUnit.MICROS);
    }
}
