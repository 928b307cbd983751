package ai.ojin.session.room.session;

import ai.ojin.session.support.Futures;
import ai.ojin.session.events.command.EndReason;
import ai.ojin.session.events.command.MarkStarted;
import ai.ojin.session.events.command.ParticipantPresence.Role;
import ai.ojin.session.events.command.ReleaseSession;
import ai.ojin.session.events.fact.SessionAdmitted;
import ai.ojin.session.events.reply.ErrorCode;
import ai.ojin.session.events.reply.SessionReply;
import ai.ojin.session.events.room.RoomAssignment;
import ai.ojin.session.room.assignment.RoomAssignments;
import ai.ojin.session.room.config.RoomProperties;
import ai.ojin.session.room.daily.DailyApi;
import ai.ojin.session.room.daily.DailyRoom;
import ai.ojin.session.room.daily.MeetingTokenRequest;
import ai.ojin.session.room.daily.MeetingTokens;
import ai.ojin.session.room.daily.RoomExistsException;
import ai.ojin.session.room.http.Deadline;
import ai.ojin.session.room.http.Priority;
import ai.ojin.session.room.http.ExternalCallException;
import ai.ojin.session.room.jobs.Job;
import ai.ojin.session.room.jobs.Retry;
import ai.ojin.session.room.orchestrator.BotStart;
import ai.ojin.session.room.orchestrator.Orchestrator;
import ai.ojin.session.room.pool.PooledRoom;
import ai.ojin.session.room.pool.RoomPool;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.observation.Observation;
import io.micrometer.observation.ObservationRegistry;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sets one admitted session up: a room, the user's and the bot's tokens, the bot. Without a pool
 * the room is named after the session (reused when it exists: a redelivery). With a pool
 * ({@code room.pool.size} > 0) the session's room is first looked up in {@link RoomAssignments}
 * (a set-up run again uses the room it was given before); otherwise a pooled room is taken (on a
 * miss, with recycling: a rested room is reopened at set-up priority, or a pooled-named room is
 * created on demand, so that it is recycled too; without recycling, a room named after the session
 * is created) and the assignment is written and acknowledged before the room is used. The caller is answered before the
 * request's deadline (less {@code room.reply-margin}) with success or the error of the step that
 * failed or was still running then; the outcome (reply plus {@code MarkStarted} or a release) is
 * written until Kafka acknowledges it. Nothing is removed here: a failed set-up's release becomes a
 * {@code failed} fact, whose tear-down job deletes the room and stops the bot, after the reply.
 * Every step runs in the observation current when the set-up started (its job's), so the HTTP
 * calls and the writes of one set-up belong to the trace of its {@code admitted} fact.
 */
public class SessionSetup {

    private static final Logger log = LoggerFactory.getLogger(SessionSetup.class);
    private static final String USER_NAME = "user";
    /** How long after the deadline an HTTP step may still take to give up on its own before the watchdog answers. */
    private static final Duration WATCHDOG_SLACK = Duration.ofMillis(200);
    private static final Retry.Backoff WRITE_BACKOFF = new Retry.Backoff(Duration.ofMillis(200), Duration.ofSeconds(5));

    private final DailyApi daily;
    private final MeetingTokens tokens;
    private final RoomPool pool;
    private final RoomAssignments assignments;
    private final Orchestrator orchestrator;
    private final SessionOutbox outbox;
    private final SessionRegistry registry;
    private final RoomProperties properties;
    private final MeterRegistry meters;
    private final Clock clock;
    private final ScheduledExecutorService scheduler;
    private final Retry retry;
    private final ObservationRegistry observations;

    public SessionSetup(DailyApi daily, MeetingTokens tokens, RoomPool pool, RoomAssignments assignments,
                        Orchestrator orchestrator, SessionOutbox outbox, SessionRegistry registry,
                        RoomProperties properties, MeterRegistry meters, Clock clock, ScheduledExecutorService scheduler,
                        ObservationRegistry observations) {
        this.observations = observations;
        this.daily = daily;
        this.tokens = tokens;
        this.pool = pool;
        this.assignments = assignments;
        this.orchestrator = orchestrator;
        this.outbox = outbox;
        this.registry = registry;
        this.properties = properties;
        this.meters = meters;
        this.clock = clock;
        this.scheduler = scheduler;
        this.retry = new Retry(scheduler);
    }

    /** A set-up in progress; {@link #settled()} also waits for the external call in flight when it was cancelled. */
    public interface SetupJob extends Job {

        /** Completes once no step of this set-up is in flight any more (bounded by its deadline). */
        CompletableFuture<Void> settled();

        /**
         * The session ended while it was being set up (Daily's {@code meeting.ended}, an end call):
         * the set-up is cancelled and its caller answered at once, instead of at its deadline.
         */
        void endedBeforeReady();
    }

    /** Starts the set-up of {@code admitted}, or returns a finished job when there is nothing to do. */
    public SetupJob start(SessionAdmitted admitted) {
        String sessionId = admitted.sessionId();
        if (registry.hasEnded(sessionId)) {
            log.info("Session {} already ended; not setting it up", sessionId);
            skipped("ended");
            return Skipped.INSTANCE;
        }
        Instant now = clock.instant();
        Instant answerBy = answerBy(admitted, now);
        if (!now.isBefore(answerBy)) {
            log.info("Session {}: the caller's deadline {} has passed; not setting it up", sessionId, admitted.deadline());
            registry.failed(sessionId);
            skipped("expired");
            return Skipped.INSTANCE;
        }
        registry.admitted(sessionId);
        Instant exp = now.plusSeconds(Math.max(1, admitted.maxSessionSeconds())).plus(properties.sessionExpGrace());
        Run run = new Run(admitted, Deadline.in(Duration.between(now, answerBy)), exp);
        run.begin();
        return run;
    }

    /** The earlier of the set-up budget and the caller's deadline less the reply margin. */
    private Instant answerBy(SessionAdmitted admitted, Instant now) {
        Instant byBudget = now.plus(properties.setupBudget());
        if (admitted.deadline() == null) {
            return byBudget;
        }
        Instant byCaller = admitted.deadline().minus(properties.replyMargin());
        return byCaller.isBefore(byBudget) ? byCaller : byBudget;
    }

    /** How a set-up ended before its outcome is written. */
    private record Outcome(Tokens tokens, ErrorCode error, String detail) {

        static final Outcome CANCELLED = new Outcome(null, null, "cancelled");

        static Outcome success(Tokens tokens) {
            return new Outcome(tokens, null, null);
        }

        static Outcome failure(ErrorCode code, String detail) {
            return new Outcome(null, code, detail);
        }

        boolean ok() {
            return tokens != null;
        }

        String tag() {
            return ok() ? "success" : error != null ? error.wire() : "cancelled";
        }
    }

    /** One set-up, from its first call to its written outcome. */
    private final class Run implements SetupJob {

        final SessionAdmitted admitted;
        final Deadline deadline;
        final Instant exp;
        final CompletableFuture<Outcome> outcome = new CompletableFuture<>();
        final CompletableFuture<Void> done = new CompletableFuture<>();
        final CompletableFuture<Void> stepsSettled = new CompletableFuture<>();
        volatile ErrorCode step = ErrorCode.ROOM_CREATION_FAILED;
        volatile boolean cancelled;
        volatile DailyRoom room;
        /** When the room was given to this session: the tokens' join window counts from it (null: at issue). */
        volatile Instant assignedAt;
        /** Set before the meeting tokens are asked for: a set-up that failed before it issued none. */
        volatile boolean tokensRequested;
        /** The observation the set-up started in (its job's), or null. */
        final Observation parent;

        Run(SessionAdmitted admitted, Deadline deadline, Instant exp) {
            this.admitted = admitted;
            this.deadline = deadline;
            this.exp = exp;
            this.parent = observations.getCurrentObservation();
        }

        /** Runs a step in the set-up's observation, whatever thread the step runs on. */
        <T> T traced(Supplier<T> step) {
            if (parent == null) {
                return step.get();
            }
            try (Observation.Scope scope = parent.openScope()) {
                return step.get();
            }
        }

        String id() {
            return admitted.sessionId();
        }

        void begin() {
            Timer.Sample sample = Timer.start(meters);
            CompletableFuture<Tokens> steps;
            try {
                steps = steps();
            } catch (RuntimeException e) {
                steps = CompletableFuture.failedFuture(e);
            }
            steps.whenComplete((tokens, error) -> {
                if (error != null && !tokensRequested) {
                    registry.noTokensIssued(id()); // its room can be reused at once
                }
                stepsSettled.complete(null);
                outcome.complete(error == null ? Outcome.success(tokens) : failed(error));
            });
            ScheduledFuture<?> watchdog = scheduler.schedule(() -> {
                if (outcome.complete(Outcome.failure(step, "not finished by its deadline"))) {
                    log.warn("Session {}: set-up not finished by its deadline; answering {}", id(), step.wire());
                }
            }, deadline.remaining().plus(WATCHDOG_SLACK).toNanos(), TimeUnit.NANOSECONDS);
            outcome.whenComplete((result, error) -> watchdog.cancel(false));
            outcome.thenCompose(result -> traced(() -> conclude(result))).whenComplete((tag, error) -> {
                sample.stop(meters.timer("room.setups", "outcome", error != null ? "unwritten" : tag));
                if (error != null) {
                    log.warn("Session {}: set-up stopped before its outcome was written: {}", id(), error.toString());
                }
                done.complete(null);
            });
        }

        private CompletableFuture<Tokens> steps() {
            return room()
                    .thenCompose(created -> traced(() -> {
                        room = created;
                        checkCancelled();
                        // joinable within the window only (a recycled room is reused once they expired), ejecting
                        // after the session's length at most
                        tokensRequested = true;
                        Instant joinBy = (assignedAt != null ? assignedAt : clock.instant())
                                .plus(properties.tokenJoinWindow());
                        Duration ejectAfter = Duration.ofSeconds(Math.max(1, admitted.maxSessionSeconds()))
                                .plus(properties.sessionExpGrace());
                        CompletableFuture<String> user = tokens.issue(
                                new MeetingTokenRequest(created.name(), false, USER_NAME,
                                        ParticipantIds.userId(id(), Role.USER), joinBy, ejectAfter), deadline);
                        CompletableFuture<String> bot = tokens.issue(
                                new MeetingTokenRequest(created.name(), false, properties.daily().botUserName(),
                                        ParticipantIds.userId(id(), Role.BOT), joinBy, ejectAfter), deadline);
                        return user.thenCombine(bot, Tokens::new);
                    }))
                    .thenCompose(tokens -> traced(() -> {
                        checkCancelled();
                        step = ErrorCode.ORCHESTRATOR_ERROR;
                        BotStart start = new BotStart(id(), admitted.agentId(), room.url(), tokens.bot(),
                                admitted.clientUserRef());
                        return orchestrator.startBot(start, deadline).thenApply(ignored -> tokens);
                    }));
        }

        /** The session's room: the one assigned before (a run again), a pooled one, or one created on demand. */
        private CompletableFuture<DailyRoom> room() {
            if (!pool.enabled()) {
                refuseWhileEndingsWait();
                return createOrReuseRoom();
            }
            return assignments.caughtUp()
                    .orTimeout(Math.max(1, deadline.remaining().toMillis()), TimeUnit.MILLISECONDS)
                    .thenCompose(caughtUp -> {
                        checkCancelled();
                        Optional<RoomAssignment> known = assignments.ofSession(id());
                        if (known.isPresent()) {
                            RoomAssignment assigned = known.get();
                            log.info("Session {}: set up again; using its assigned room {}", id(), assigned.roomName());
                            assignedAt = assigned.assignedAt();
                            if (!assigned.pooled()) {
                                return createOrReuseRoom();
                            }
                            return assigned.roomUrl() != null
                                    ? CompletableFuture.completedFuture(new DailyRoom(null, assigned.roomName(),
                                            assigned.roomUrl(), "private", null, null))
                                    : openOnDemand(assigned.roomName(), true);
                        }
                        return assignNew();
                    });
        }

        /**
         * Takes a pooled room (on a miss: a rested one, a new pooled name, or without recycling the
         * session's own name) and records the choice.
         */
        private CompletableFuture<DailyRoom> assignNew() {
            Optional<PooledRoom> pooled = pool.take(exp, id());
            if (pooled.isEmpty()) {
                refuseWhileEndingsWait();
            }
            Optional<String> rested = pooled.isEmpty() && pool.recycles() ? pool.takeRested() : Optional.empty();
            String name = pooled.map(PooledRoom::name).or(() -> rested)
                    .orElseGet(() -> pool.recycles() ? RoomPool.newName() : id());
            RoomAssignment assignment = new RoomAssignment(id(), admitted.agentId(), name,
                    pooled.map(p -> p.room().url()).orElse(null), RoomPool.isPoolRoomName(name), clock.instant());
            assignedAt = assignment.assignedAt();
            return assignments.assign(assignment)
                    .handle((written, error) -> {
                        if (error != null) {
                            // nobody else can have this room: it never goes back to the pool
                            pooled.ifPresent(p -> daily.deleteRoom(p.name(), Priority.HOUSEKEEPING,
                                    Deadline.in(properties.teardownBudget())));
                            throw new CompletionException(new IllegalStateException(
                                    "room assignment not written: " + Futures.cause(error)));
                        }
                        return written;
                    })
                    .thenCompose(written -> pooled.isPresent()
                            ? CompletableFuture.completedFuture(pooled.get().room())
                            : pool.recycles() ? openOnDemand(name, rested.isPresent()) : createOrReuseRoom());
        }

        /**
         * A pooled-named room of this session opened at set-up priority, with a pooled room's long
         * exp: reopened when it may exist (a rested room, or a set-up run again), else created.
         */
        private CompletableFuture<DailyRoom> openOnDemand(String name, boolean mayExist) {
            Instant roomExp = pool.lifetimeFromNow();
            CompletableFuture<Optional<DailyRoom>> reopened = mayExist
                    ? daily.setRoomExp(name, roomExp, Priority.SETUP, deadline)
                    : CompletableFuture.completedFuture(Optional.empty());
            return reopened.thenCompose(found -> found.isPresent() ? CompletableFuture.completedFuture(found.get())
                    : traced(() -> daily.createRoom(name, roomExp, deadline)));
        }

        private CompletableFuture<DailyRoom> createOrReuseRoom() {
            return daily.createRoom(id(), exp, deadline)
                    .exceptionallyCompose(error -> {
                        if (Futures.cause(error) instanceof RoomExistsException) {
                            log.info("Session {}: room exists (redelivery); reusing it", id());
                            return traced(() -> daily.getRoom(id(), deadline)).thenApply(found -> found.orElseThrow(
                                    () -> new ExternalCallException("room " + id() + " vanished", 404)));
                        }
                        return CompletableFuture.failedFuture(error);
                    });
        }

        /**
         * Fails the set-up before it asks for a room while ending sessions wait too long for Daily's
         * budget (its tear-down then knows there is no room to close).
         */
        private void refuseWhileEndingsWait() {
            if (daily.refusesSetups()) {
                registry.noRoomRequested(id());
                meters.counter("room.setups.refused", "reason", "endings_wait").increment();
                throw new ExternalCallException("Daily's rate budget is the limit: ended sessions wait for their rooms' "
                        + "close", 0);
            }
        }

        private Outcome failed(Throwable error) {
            Throwable cause = Futures.cause(error);
            if (cause instanceof Cancelled || cancelled) {
                return Outcome.CANCELLED;
            }
            return Outcome.failure(step, String.valueOf(cause.getMessage()));
        }

        private void checkCancelled() {
            if (cancelled) {
                throw new Cancelled();
            }
        }

        /** Writes the outcome until Kafka acknowledges it (or the job is cancelled); returns the outcome tag. */
        private CompletableFuture<String> conclude(Outcome result) {
            if (!result.ok() && result.error() == null) {
                log.info("Session {}: set-up cancelled", id());
                return CompletableFuture.completedFuture(result.tag());
            }
            if (result.ok()) {
                log.info("Session {} set up: room {} and bot ready", id(), room.url());
                // MarkStarted first, the reply once it is acknowledged: a caller who got its room has a
                // session that starts even if this JVM dies now (a run again after a crash skips a set-up
                // whose caller's deadline has passed, so it would never write MarkStarted, and the start
                // lease would end a session its caller was told about; seen in the acceptance test's SIGKILL)
                return write("mark started", () -> outbox.command(new MarkStarted(id(), admitted.agentId(),
                                room.name(), room.url(), clock.instant())))
                        .thenCompose(ignored -> write("reply", () -> outbox.reply(admitted.replyPartition(),
                                SessionReply.success(id(), room.url(), result.tokens().user(), admitted.instanceId()))))
                        .thenApply(ignored -> result.tag());
            }
            ErrorCode code = result.error();
            registry.failed(id());
            log.warn("Session {}: set-up failed with {}: {}", id(), code.wire(), result.detail());
            EndReason reason = code == ErrorCode.ORCHESTRATOR_ERROR ? EndReason.ORCHESTRATOR_ERROR
                    : EndReason.ROOM_CREATION_FAILED;
            String message = code == ErrorCode.ORCHESTRATOR_ERROR
                    ? "Agent orchestrator is unreachable or returned an error"
                    : "WebRTC room could not be created";
            return CompletableFuture.allOf(
                    write("reply", () -> outbox.reply(admitted.replyPartition(), SessionReply.error(id(), code, message))),
                    write("release", () -> outbox.command(new ReleaseSession(id(), admitted.agentId(), reason,
                            clock.instant()))))
                    .thenApply(ignored -> result.tag());
        }

        private CompletableFuture<Void> write(String what, Supplier<CompletableFuture<Void>> send) {
            return retry.until(() -> traced(send), WRITE_BACKOFF, () -> cancelled, (attempt, error) ->
                    log.warn("Session {}: writing its {} failed (try {}): {}; {}", id(), what, attempt, error.toString(),
                            cancelled ? "giving up (cancelled)" : "retrying"));
        }

        @Override
        public CompletableFuture<Void> done() {
            return done;
        }

        @Override
        public CompletableFuture<Void> settled() {
            return CompletableFuture.allOf(done, stepsSettled);
        }

        @Override
        public void cancel() {
            cancelled = true;
            outcome.complete(Outcome.CANCELLED);
        }

        @Override
        public void endedBeforeReady() {
            cancelled = true;
            if (!outcome.complete(Outcome.CANCELLED)) {
                return; // the set-up had already concluded (and answered)
            }
            log.info("Session {} ended before its set-up finished; answering its caller {}", id(),
                    ErrorCode.ROOM_CREATION_FAILED.wire());
            outbox.reply(admitted.replyPartition(), SessionReply.error(id(), ErrorCode.ROOM_CREATION_FAILED,
                    "The session ended before its room was ready")).whenComplete((ok, error) -> {
                        if (error != null) {
                            log.warn("Session {}: answering its caller failed: {}", id(), error.toString());
                        }
                    });
        }
    }

    private record Tokens(String user, String bot) {
        @Override
        public String toString() {
            return "Tokens[***]";
        }
    }

    private void skipped(String reason) {
        meters.counter("room.setups.skipped", "reason", reason).increment();
    }

    /** Nothing to set up. */
    private enum Skipped implements SetupJob {
        INSTANCE;

        @Override
        public CompletableFuture<Void> done() {
            return Job.finished().done();
        }

        @Override
        public CompletableFuture<Void> settled() {
            return done();
        }

        @Override
        public void cancel() {
        }

        @Override
        public void endedBeforeReady() {
        }
    }

    /** The set-up was cancelled (its session ended, or its partition moved to another worker). */
    private static final class Cancelled extends RuntimeException {
        Cancelled() {
            super("set-up cancelled", null, false, false);
        }
    }
}
