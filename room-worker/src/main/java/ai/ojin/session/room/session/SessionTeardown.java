package ai.ojin.session.room.session;

import ai.ojin.session.events.room.RoomAssignment;
import ai.ojin.session.room.assignment.RoomAssignments;
import ai.ojin.session.room.config.RoomProperties;
import ai.ojin.session.room.daily.DailyApi;
import ai.ojin.session.room.http.Deadline;
import ai.ojin.session.room.jobs.Retry;
import ai.ojin.session.room.orchestrator.Orchestrator;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.ScheduledExecutorService;
import java.util.function.BooleanSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Removes a session's room (404 = gone; the room of its assignment when it has one, a pooled room
 * included, then the assignment's tombstone) and stops its bot (404 = stopped), each retried with
 * backoff until it succeeds, the job is cancelled, or {@code room.teardown.give-up-after} has
 * passed; after that the room's {@code exp} and the reconciliation bound what is left.
 */
public class SessionTeardown {

    private static final Logger log = LoggerFactory.getLogger(SessionTeardown.class);
    private static final Retry.Backoff BACKOFF = new Retry.Backoff(Duration.ofSeconds(1), Duration.ofSeconds(30));

    private static final Duration ASSIGNMENT_WAIT = Duration.ofSeconds(10);

    private final DailyApi daily;
    private final RoomAssignments assignments;
    private final Orchestrator orchestrator;
    private final RoomProperties properties;
    private final MeterRegistry meters;
    private final Clock clock;
    private final Retry retry;
    private final ScheduledExecutorService scheduler;

    public SessionTeardown(DailyApi daily, RoomAssignments assignments, Orchestrator orchestrator,
                           RoomProperties properties, MeterRegistry meters, Clock clock,
                           ScheduledExecutorService scheduler) {
        this.daily = daily;
        this.assignments = assignments;
        this.orchestrator = orchestrator;
        this.properties = properties;
        this.meters = meters;
        this.clock = clock;
        this.retry = new Retry(scheduler);
        this.scheduler = scheduler;
    }

    /**
     * Tears down the session that ended at {@code endedAt}; completes (normally) when both parts
     * are done or given up.
     *
     * @param startMayOutlive the session's set-up did not finish (it failed, or its caller left): a
     *     start it sent may still be processed by the orchestrator after the stop (a call that timed
     *     out here is not cancelled there), so the bot is stopped once more one orchestrator call
     *     timeout after the first stop
     */
    public CompletableFuture<Void> tearDown(String sessionId, Instant endedAt, boolean startMayOutlive,
                                            BooleanSupplier cancelled) {
        Instant now = clock.instant();
        if (endedAt != null && endedAt.isBefore(now.minus(properties.endedTeardownMaxAge()))) {
            meters.counter("room.teardowns", "outcome", "skipped_old").increment();
            return CompletableFuture.completedFuture(null);
        }
        Instant giveUpAt = now.plus(properties.teardown().giveUpAfter());
        BooleanSupplier stop = () -> cancelled.getAsBoolean() || !clock.instant().isBefore(giveUpAt);
        CompletableFuture<Boolean> room = assignment(sessionId).thenCompose(assigned -> retry.until(
                () -> deleteRoom(sessionId, assigned), BACKOFF, stop,
                (attempt, error) -> log.warn("Session {}: deleting its room failed (try {}): {}", sessionId, attempt,
                        error.toString())));
        CompletableFuture<Boolean> firstStop = stopBot(sessionId, stop);
        CompletableFuture<Boolean> bot = !startMayOutlive ? firstStop
                : firstStop.thenCompose(stopped -> later(properties.orchestrator().callTimeout())
                    .thenCompose(ignored -> stopBot(sessionId, stop))
                    .thenApply(again -> {
                        if (again) {
                            meters.counter("room.teardowns.late-bots").increment();
                            log.warn("Session {}: a start that outlived its set-up had registered the bot again; "
                                    + "stopped it", sessionId);
                        }
                        return stopped || again;
                    }));
        return room.handle((deleted, roomError) -> bot.handle((stopped, botError) -> {
            if (roomError == null && botError == null) {
                meters.counter("room.teardowns", "outcome", "done").increment();
                log.info("Session {} torn down (room deleted: {}, bot stopped: {})", sessionId, deleted, stopped);
            } else if (cancelled.getAsBoolean()) {
                meters.counter("room.teardowns", "outcome", "cancelled").increment();
            } else {
                meters.counter("room.teardowns", "outcome", "given_up").increment();
                log.error("Session {}: tear-down given up after {} (room: {}, bot: {}); the room's exp and the "
                        + "reconciliation bound what is left", sessionId, properties.teardown().giveUpAfter(),
                        roomError == null ? "deleted" : roomError.toString(), botError == null ? "stopped" : botError.toString());
            }
            return (Void) null;
        })).thenCompose(f -> f);
    }

    private CompletableFuture<Boolean> stopBot(String sessionId, BooleanSupplier stop) {
        return retry.until(() -> orchestrator.stopBot(sessionId, Deadline.in(properties.teardownBudget())), BACKOFF, stop,
                (attempt, error) -> log.warn("Session {}: stopping its bot failed (try {}): {}", sessionId, attempt,
                        error.toString()));
    }

    private CompletableFuture<Void> later(Duration delay) {
        CompletableFuture<Void> done = new CompletableFuture<>();
        scheduler.schedule(() -> done.complete(null), delay.toMillis(), TimeUnit.MILLISECONDS);
        return done;
    }

    /**
     * The session's assignment; with a pool, after this worker's view has caught up (the set-up may
     * have run on another instance). Without one (or when the view cannot catch up in time) the
     * room is the one named after the session; a pooled room missed that way is left to the
     * reconciliation and its exp.
     */
    private CompletableFuture<Optional<RoomAssignment>> assignment(String sessionId) {
        if (!properties.pool().enabled() && assignments.size() == 0) {
            return CompletableFuture.completedFuture(Optional.empty());
        }
        return assignments.caughtUp().orTimeout(ASSIGNMENT_WAIT.toMillis(), TimeUnit.MILLISECONDS)
                .handle((caughtUp, error) -> {
                    if (error != null) {
                        log.warn("Session {}: room assignments not caught up ({}); deleting by what is known",
                                sessionId, error.toString());
                    }
                    return assignments.ofSession(sessionId);
                });
    }

    private CompletableFuture<Boolean> deleteRoom(String sessionId, Optional<RoomAssignment> assigned) {
        String name = assigned.map(RoomAssignment::roomName).orElse(sessionId);
        CompletableFuture<Boolean> deleted = daily.deleteRoom(name, Deadline.in(properties.teardownBudget()));
        if (assigned.isEmpty()) {
            return deleted;
        }
        return deleted.thenCompose(found -> assignments.remove(sessionId).thenApply(removed -> found));
    }
}
