package ai.ojin.session.room.session;

import ai.ojin.session.events.command.ParticipantPresence.Role;
import ai.ojin.session.events.fact.SessionRepeated;
import ai.ojin.session.events.reply.ErrorCode;
import ai.ojin.session.events.reply.SessionReply;
import ai.ojin.session.events.room.RoomAssignment;
import ai.ojin.session.room.assignment.RoomAssignments;
import ai.ojin.session.room.config.RoomProperties;
import ai.ojin.session.room.http.Deadline;
import ai.ojin.session.room.daily.MeetingTokenRequest;
import ai.ojin.session.room.daily.MeetingTokens;
import ai.ojin.session.room.jobs.Job;
import ai.ojin.session.room.pool.RoomPool;
import ai.ojin.session.support.Futures;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Answers a connect repeated with the {@code Idempotency-Key} of a session that is up (the
 * {@code repeated} fact): the session's room and a fresh user token for it (the same claims as the
 * set-up's user token), on the repeat's reply partition, correlated to the id it waits under. A
 * session this worker saw end is answered {@code session_ended}; a repeat whose caller's deadline
 * passed is not answered. A redelivered fact answers again, which no caller minds (the first answer
 * is taken, a second is dropped as unclaimed).
 *
 * <p>A pooled room is reused once every token of its session has expired, counted from when the
 * room was assigned to the session ({@code room.token-join-window} after {@code assigned_at}, see
 * {@code SessionTeardown}). So a repeat's token in a pooled room is joinable only until then, as the
 * set-up's tokens; once that window is over no token can be issued that the room's next session
 * would not inherit, and the repeat is answered {@code session_ended} (connect again with a new
 * key). Answers are addressed to the repeat's instance.
 */
public class SessionRepeats {

    private static final Logger log = LoggerFactory.getLogger(SessionRepeats.class);
    private static final String USER_NAME = "user";

    private final MeetingTokens tokens;
    private final SessionOutbox outbox;
    private final SessionRegistry registry;
    private final RoomProperties properties;
    private final Clock clock;
    private final RoomPool pool;
    private final RoomAssignments assignments;

    public SessionRepeats(MeetingTokens tokens, SessionOutbox outbox, SessionRegistry registry, RoomProperties properties,
                          Clock clock, RoomPool pool, RoomAssignments assignments) {
        this.tokens = tokens;
        this.outbox = outbox;
        this.registry = registry;
        this.properties = properties;
        this.clock = clock;
        this.pool = pool;
        this.assignments = assignments;
    }

    public Job answer(SessionRepeated repeated) {
        String sessionId = repeated.sessionId();
        Instant now = clock.instant();
        if (repeated.deadline() != null && !now.isBefore(repeated.deadline())) {
            log.info("Repeat {} of session {}: its caller's deadline has passed; not answering", repeated.correlationId(),
                    sessionId);
            return Job.finished();
        }
        if (registry.hasEnded(sessionId) || repeated.roomName() == null) {
            return Job.of(send(repeated, ended(repeated, "The session of this Idempotency-Key has ended; use a new key")));
        }
        Deadline deadline = Deadline.in(repeated.deadline() == null ? properties.setupBudget()
                : Duration.between(now, repeated.deadline()));
        CompletableFuture<Void> done = joinWindowStart(repeated, deadline)
                .thenCompose(from -> {
                    Instant at = clock.instant();
                    Instant joinBy = (from != null ? from : at).plus(properties.tokenJoinWindow());
                    if (!joinBy.isAfter(at)) {
                        log.info("Repeat {} of session {}: its pooled room's join window ended at {}; answering {}",
                                repeated.correlationId(), sessionId, joinBy, ErrorCode.SESSION_ENDED.wire());
                        return send(repeated, ended(repeated,
                                "The session's room can no longer be joined; connect again with a new key"));
                    }
                    return issue(repeated, joinBy, deadline);
                });
        return Job.of(done);
    }

    /**
     * When the join window of the repeat's token starts: the pooled room's assignment, null for a
     * room of the session's own (its window starts now: nobody else ever gets that room).
     */
    private CompletableFuture<Instant> joinWindowStart(SessionRepeated repeated, Deadline deadline) {
        if (!pool.enabled()) {
            return CompletableFuture.completedFuture(null);
        }
        return assignments.caughtUp()
                .orTimeout(Math.max(1, deadline.remaining().toMillis()), TimeUnit.MILLISECONDS)
                .handle((caughtUp, error) -> {
                    if (error != null) {
                        log.warn("Repeat {} of session {}: room assignments not caught up ({}); using what they hold",
                                repeated.correlationId(), repeated.sessionId(), error.toString());
                    }
                    Optional<RoomAssignment> assigned = assignments.ofSession(repeated.sessionId())
                            .filter(a -> a.roomName().equals(repeated.roomName()));
                    if (assigned.isPresent()) {
                        return assigned.get().pooled() ? assigned.get().assignedAt() : null;
                    }
                    // unknown here: a pooled-named room is treated as reused from its start, never as fresh
                    return RoomPool.isPoolRoomName(repeated.roomName()) ? Instant.EPOCH : null;
                });
    }

    private CompletableFuture<Void> issue(SessionRepeated repeated, Instant joinBy, Deadline deadline) {
        String sessionId = repeated.sessionId();
        MeetingTokenRequest request = new MeetingTokenRequest(repeated.roomName(), false, USER_NAME,
                ParticipantIds.userId(sessionId, Role.USER), joinBy,
                Duration.ofSeconds(Math.max(1, repeated.maxSessionSeconds())).plus(properties.sessionExpGrace()));
        return tokens.issue(request, deadline)
                .thenCompose(token -> send(repeated, SessionReply.success(sessionId, repeated.roomUrl(), token,
                        repeated.instanceId())))
                .exceptionallyCompose(error -> {
                    // the failure's type only: what a token call or its answer says is never logged
                    log.warn("Repeat {} of session {}: the user credential for its room could not be made ({}); answering internal_error",
                            repeated.correlationId(), sessionId, Futures.cause(error).getClass().getSimpleName());
                    return send(repeated, new SessionReply(sessionId, null, null, ErrorCode.INTERNAL_ERROR,
                            "A meeting token for the session's room could not be issued", null, repeated.instanceId()));
                });
    }

    private static SessionReply ended(SessionRepeated repeated, String message) {
        return new SessionReply(repeated.sessionId(), null, null, ErrorCode.SESSION_ENDED, message, null,
                repeated.instanceId());
    }

    /** Sends the answer; completes normally either way (a lost answer times out at the caller). */
    private CompletableFuture<Void> send(SessionRepeated repeated, SessionReply reply) {
        return outbox.reply(repeated.replyPartition(), reply.correlatedTo(repeated.correlationId()))
                .exceptionally(error -> {
                    // the answer may carry a meeting token: only the failure's type is logged
                    log.warn("Repeat {} of session {}: answer not written ({})", repeated.correlationId(),
                            repeated.sessionId(), Futures.cause(error).getClass().getSimpleName());
                    return null;
                });
    }
}
