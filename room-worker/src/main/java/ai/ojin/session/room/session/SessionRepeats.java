package ai.ojin.session.room.session;

import ai.ojin.session.events.command.ParticipantPresence.Role;
import ai.ojin.session.events.fact.SessionRepeated;
import ai.ojin.session.events.reply.ErrorCode;
import ai.ojin.session.events.reply.SessionReply;
import ai.ojin.session.room.config.RoomProperties;
import ai.ojin.session.room.http.Deadline;
import ai.ojin.session.room.daily.MeetingTokenRequest;
import ai.ojin.session.room.daily.MeetingTokens;
import ai.ojin.session.room.jobs.Job;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.CompletableFuture;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Answers a connect repeated with the {@code Idempotency-Key} of a session that is up (the
 * {@code repeated} fact): the session's room and a fresh user token for it (the same claims as the
 * set-up's user token), on the repeat's reply partition, correlated to the id it waits under. A
 * session this worker saw end is answered {@code session_ended}; a repeat whose caller's deadline
 * passed is not answered. A redelivered fact answers again, which no caller minds (the first answer
 * is taken, a second is dropped as unclaimed).
 */
public class SessionRepeats {

    private static final Logger log = LoggerFactory.getLogger(SessionRepeats.class);
    private static final String USER_NAME = "user";

    private final MeetingTokens tokens;
    private final SessionOutbox outbox;
    private final SessionRegistry registry;
    private final RoomProperties properties;
    private final Clock clock;

    public SessionRepeats(MeetingTokens tokens, SessionOutbox outbox, SessionRegistry registry, RoomProperties properties,
                          Clock clock) {
        this.tokens = tokens;
        this.outbox = outbox;
        this.registry = registry;
        this.properties = properties;
        this.clock = clock;
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
            return Job.of(send(repeated, SessionReply.error(sessionId, ErrorCode.SESSION_ENDED,
                    "The session of this Idempotency-Key has ended; use a new key")));
        }
        Deadline deadline = Deadline.in(repeated.deadline() == null ? properties.setupBudget()
                : Duration.between(now, repeated.deadline()));
        MeetingTokenRequest request = new MeetingTokenRequest(repeated.roomName(), false, USER_NAME,
                ParticipantIds.userId(sessionId, Role.USER), now.plus(properties.tokenJoinWindow()),
                Duration.ofSeconds(Math.max(1, repeated.maxSessionSeconds())).plus(properties.sessionExpGrace()));
        CompletableFuture<Void> done = tokens.issue(request, deadline)
                .thenCompose(token -> send(repeated, SessionReply.success(sessionId, repeated.roomUrl(), token,
                        repeated.instanceId())))
                .exceptionallyCompose(error -> {
                    log.warn("Repeat {} of session {}: no token ({}); answering internal_error", repeated.correlationId(),
                            sessionId, error.toString());
                    return send(repeated, SessionReply.error(sessionId, ErrorCode.INTERNAL_ERROR,
                            "A meeting token for the session's room could not be issued"));
                });
        return Job.of(done);
    }

    /** Sends the answer; completes normally either way (a lost answer times out at the caller). */
    private CompletableFuture<Void> send(SessionRepeated repeated, SessionReply reply) {
        return outbox.reply(repeated.replyPartition(), reply.correlatedTo(repeated.correlationId()))
                .exceptionally(error -> {
                    log.warn("Repeat {} of session {}: answer not written: {}", repeated.correlationId(),
                            repeated.sessionId(), error.toString());
                    return null;
                });
    }
}
