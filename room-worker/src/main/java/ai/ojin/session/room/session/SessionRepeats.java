package ai.ojin.session.room.session;

import ai.ojin.session.events.command.ParticipantPresence.Role;
import ai.ojin.session.events.fact.SessionRepeated;
import ai.ojin.session.events.reply.ErrorCode;
import ai.ojin.session.events.reply.SessionReply;
import ai.ojin.session.events.room.RoomAssignment;
import ai.ojin.session.room.assignment.RoomAssignments;
import ai.ojin.session.room.config.RoomProperties;
import ai.ojin.session.room.daily.DailyApi;
import ai.ojin.session.room.daily.MeetingTokenRequest;
import ai.ojin.session.room.daily.MeetingTokens;
import ai.ojin.session.room.http.Deadline;
import ai.ojin.session.room.jobs.Job;
import ai.ojin.session.room.jobs.Retry;
import ai.ojin.session.room.pool.RoomPool;
import ai.ojin.session.support.Futures;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Answers a connect repeated with the {@code Idempotency-Key} of a session whose room is up (a
 * {@code repeated} fact): a fresh meeting token of the user for that room, issued exactly as the
 * set-up issues the user's ({@link MeetingTokens}: signed here, or minted by Daily within its
 * budget), and the reply {@code success(session, room url, token)} correlated to the repeated
 * request's id, on the fact's reply partition. The room is the one the session's {@code started}
 * fact named ({@link SessionRegistry}); a worker that never read that fact (it took the partition
 * over later) finds it in the room assignments (with the pool), or asks Daily for the room named
 * after the session (without). A session whose room is gone (ended, torn down, or a pooled room
 * whose join window is over: a later token could outlive the room's reuse) is answered
 * {@code session_ended}. Nothing is answered once the fact's deadline has passed (nobody waits).
 * A redelivered fact is answered again: the waiting instance takes the first reply.
 */
public class SessionRepeats {

    private static final Logger log = LoggerFactory.getLogger(SessionRepeats.class);
    private static final String USER_NAME = "user";
    /** The longest session an agent may have ({@code max_session_seconds}): the token's bound when the worker never read the session's. */
    static final int LONGEST_SESSION_SECONDS = 86_400;
    private static final Retry.Backoff WRITE_BACKOFF = new Retry.Backoff(Duration.ofMillis(100), Duration.ofSeconds(1));

    private final DailyApi daily;
    private final MeetingTokens tokens;
    private final RoomPool pool;
    private final RoomAssignments assignments;
    private final SessionOutbox outbox;
    private final SessionRegistry registry;
    private final RoomProperties properties;
    private final MeterRegistry meters;
    private final Clock clock;
    private final Retry retry;

    public SessionRepeats(DailyApi daily, MeetingTokens tokens, RoomPool pool, RoomAssignments assignments,
                          SessionOutbox outbox, SessionRegistry registry, RoomProperties properties, MeterRegistry meters,
                          Clock clock, ScheduledExecutorService scheduler) {
        this.daily = daily;
        this.tokens = tokens;
        this.pool = pool;
        this.assignments = assignments;
        this.outbox = outbox;
        this.registry = registry;
        this.properties = properties;
        this.meters = meters;
        this.clock = clock;
        this.retry = new Retry(scheduler);
    }

    /** The session's room as a repeat is answered with; {@code assignedAt} non-null for a pooled room. */
    private record Room(String name, String url, Instant assignedAt) {
    }

    /** Starts answering {@code repeated}; the job is done once the reply is written (or given up). */
    public Job start(SessionRepeated repeated) {
        String sessionId = repeated.sessionId();
        Instant now = clock.instant();
        if (repeated.deadline() != null && !now.isBefore(repeated.deadline())) {
            log.info("Session {}: the repeated connect {} waited until {}, which has passed; not answering it",
                    sessionId, repeated.correlationId(), repeated.deadline());
            count("expired");
            return Job.finished();
        }
        Instant answerBy = answerBy(repeated, now);
        Deadline deadline = Deadline.in(Duration.between(now, answerBy));
        RepeatJob job = new RepeatJob(repeated, answerBy);
        CompletableFuture<SessionReply> reply;
        if (registry.hasEnded(sessionId)) {
            reply = CompletableFuture.completedFuture(ended(repeated, "The session has ended"));
        } else {
            try {
                reply = room(repeated, deadline).thenCompose(room -> room.isEmpty()
                        ? CompletableFuture.completedFuture(ended(repeated, "The session has ended"))
                        : answer(repeated, room.get(), deadline));
            } catch (RuntimeException e) {
                reply = CompletableFuture.failedFuture(e);
            }
        }
        reply.exceptionally(error -> {
            log.warn("Session {}: no meeting token for the repeated connect {}: {}", sessionId,
                    repeated.correlationId(), Futures.cause(error).toString());
            return correlated(repeated, new SessionReply(sessionId, null, null, ErrorCode.ROOM_CREATION_FAILED,
                    "A meeting token for the session's room could not be issued", null, repeated.instanceId()));
        }).thenCompose(job::write).whenComplete((tag, error) -> {
            count(error != null ? "unwritten" : tag);
            job.done.complete(null);
        });
        return job;
    }

    /** The reply is due before the caller's deadline less the reply margin (or, when that passed, the deadline). */
    private Instant answerBy(SessionRepeated repeated, Instant now) {
        Instant byBudget = now.plus(properties.setupBudget());
        if (repeated.deadline() == null) {
            return byBudget;
        }
        Instant byCaller = repeated.deadline().minus(properties.replyMargin());
        if (!byCaller.isAfter(now)) {
            byCaller = repeated.deadline();
        }
        return byCaller.isBefore(byBudget) ? byCaller : byBudget;
    }

    /** The session's room, empty when it is known to be gone. */
    private CompletableFuture<Optional<Room>> room(SessionRepeated repeated, Deadline deadline) {
        String sessionId = repeated.sessionId();
        Optional<SessionRegistry.Known> known = registry.known(sessionId).filter(k -> k.roomName() != null);
        if (pool.enabled()) {
            return assignments.caughtUp()
                    .orTimeout(Math.max(1, deadline.remaining().toMillis()), TimeUnit.MILLISECONDS)
                    .thenCompose(caughtUp -> {
                        Optional<RoomAssignment> assigned = assignments.ofSession(sessionId);
                        if (assigned.isEmpty()) {
                            // every set-up with the pool assigns the room first: its tombstone says the room went
                            return CompletableFuture.completedFuture(Optional.empty());
                        }
                        RoomAssignment a = assigned.get();
                        Instant assignedAt = a.pooled() ? a.assignedAt() : null;
                        String url = a.roomUrl() != null ? a.roomUrl()
                                : known.filter(k -> k.roomName().equals(a.roomName())).map(SessionRegistry.Known::roomUrl)
                                        .orElse(null);
                        if (url != null) {
                            return CompletableFuture.completedFuture(Optional.of(new Room(a.roomName(), url, assignedAt)));
                        }
                        return daily.getRoom(a.roomName(), deadline)
                                .thenApply(found -> found.map(r -> new Room(a.roomName(), r.url(), assignedAt)));
                    });
        }
        if (known.isPresent()) {
            return CompletableFuture.completedFuture(Optional.of(new Room(known.get().roomName(), known.get().roomUrl(),
                    null)));
        }
        // this worker never read the session's start: without the pool its room is named after it
        return daily.getRoom(sessionId, deadline).thenApply(found -> found.map(r -> new Room(r.name(), r.url(), null)));
    }

    /** A fresh user token for the room, as the set-up issues it. */
    private CompletableFuture<SessionReply> answer(SessionRepeated repeated, Room room, Deadline deadline) {
        String sessionId = repeated.sessionId();
        Instant now = clock.instant();
        // joinable within the window (from the assignment of a pooled room: it is reused once its tokens expired)
        Instant joinBy = (room.assignedAt() != null ? room.assignedAt() : now).plus(properties.tokenJoinWindow());
        if (!joinBy.isAfter(now)) {
            log.info("Session {}: its pooled room's join window is over; answering the repeated connect {} {}",
                    sessionId, repeated.correlationId(), ErrorCode.SESSION_ENDED.wire());
            return CompletableFuture.completedFuture(ended(repeated,
                    "The session's room can no longer be joined; connect again with a new key"));
        }
        int maxSessionSeconds = registry.known(sessionId).map(SessionRegistry.Known::maxSessionSeconds)
                .filter(seconds -> seconds > 0).orElse(LONGEST_SESSION_SECONDS);
        Duration ejectAfter = Duration.ofSeconds(Math.max(1, maxSessionSeconds)).plus(properties.sessionExpGrace());
        return tokens.issue(new MeetingTokenRequest(room.name(), false, USER_NAME,
                        ParticipantIds.userId(sessionId, Role.USER), joinBy, ejectAfter), deadline)
                .thenApply(token -> {
                    log.info("Session {}: repeated connect {} answered with its room {}", sessionId,
                            repeated.correlationId(), room.url());
                    return correlated(repeated, SessionReply.success(sessionId, room.url(), token,
                            repeated.instanceId()));
                });
    }

    private static SessionReply ended(SessionRepeated repeated, String message) {
        return correlated(repeated, new SessionReply(repeated.sessionId(), null, null, ErrorCode.SESSION_ENDED, message,
                null, repeated.instanceId()));
    }

    private static SessionReply correlated(SessionRepeated repeated, SessionReply reply) {
        return reply.correlatedTo(repeated.correlationId());
    }

    private void count(String outcome) {
        meters.counter("room.repeats", "outcome", outcome).increment();
    }

    /** One repeat's answer; cancelling it stops retrying its write (the partition's new owner answers). */
    private final class RepeatJob implements Job {

        final SessionRepeated repeated;
        final Instant answerBy;
        final CompletableFuture<Void> done = new CompletableFuture<>();
        volatile boolean cancelled;

        RepeatJob(SessionRepeated repeated, Instant answerBy) {
            this.repeated = repeated;
            this.answerBy = answerBy;
        }

        /** Writes the reply until acknowledged, the caller's deadline, or a cancel; returns the outcome tag. */
        CompletableFuture<String> write(SessionReply reply) {
            Instant giveUpAt = repeated.deadline() != null ? repeated.deadline() : answerBy;
            String tag = reply.ok() ? "success" : reply.errorCode().wire();
            return retry.until(() -> outbox.reply(repeated.replyPartition(), reply), WRITE_BACKOFF,
                            () -> cancelled || !clock.instant().isBefore(giveUpAt), (attempt, error) ->
                                    log.warn("Session {}: writing the reply of the repeated connect {} failed (try {}): {}",
                                            repeated.sessionId(), repeated.correlationId(), attempt, error.toString()))
                    .thenApply(ignored -> tag);
        }

        @Override
        public CompletableFuture<Void> done() {
            return done;
        }

        @Override
        public void cancel() {
            cancelled = true;
        }
    }
}
