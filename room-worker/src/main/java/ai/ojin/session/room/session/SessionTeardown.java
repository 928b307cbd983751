package ai.ojin.session.room.session;

import ai.ojin.session.events.room.RoomAssignment;
import ai.ojin.session.room.assignment.RoomAssignments;
import ai.ojin.session.room.config.RoomProperties;
import ai.ojin.session.room.daily.DailyApi;
import ai.ojin.session.room.daily.DailyRoom;
import ai.ojin.session.room.http.Deadline;
import ai.ojin.session.room.http.Priority;
import ai.ojin.session.room.jobs.JobLane;
import ai.ojin.session.room.jobs.Retry;
import ai.ojin.session.room.orchestrator.Orchestrator;
import ai.ojin.session.room.pool.RoomPool;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.ScheduledExecutorService;
import java.util.function.BooleanSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Ends a session: closes its room (the room of its assignment when it has one, a pooled room
 * included) by setting its {@code exp} a second ahead with {@code eject_at_room_exp}, a call of
 * Daily's standard family (404 = gone), and stops its bot (404 = stopped), each retried with
 * backoff until it succeeds, the job is cancelled, or {@code room.teardown.give-up-after} has
 * passed. The tear-down is done then: ending a session never waits for Daily's small budget of
 * room deletes. Room closes and bot stops run in two lanes of their own
 * ({@code room.teardown.concurrency} each): when closes wait for Daily's budget, bots are still
 * stopped at once. A closed pooled room goes back to the pool when it recycles (after the assignment's
 * tombstone), to be reopened once every token of the session has expired ({@link RoomPool#giveBack});
 * any other closed room is deleted in the background as housekeeping (then the assignment's
 * tombstone), retried until the same give-up time. A room given up on, or left by a worker that
 * stopped, is past its {@code exp} and the reconciliation deletes it.
 */
public class SessionTeardown {

    private static final Logger log = LoggerFactory.getLogger(SessionTeardown.class);
    private static final Retry.Backoff BACKOFF = new Retry.Backoff(Duration.ofSeconds(1), Duration.ofSeconds(30));

    private static final Duration ASSIGNMENT_WAIT = Duration.ofSeconds(10);
    /** A closed room's exp, from the close: Daily takes an exp in the future. */
    private static final Duration CLOSE_AFTER = Duration.ofSeconds(1);
    /** A recycled room rests this long after its tokens' exp and its close (clocks differ a little). */
    static final Duration REUSE_MARGIN = Duration.ofSeconds(5);

    private final DailyApi daily;
    private final RoomPool pool;
    private final SessionRegistry registry;
    private final RoomAssignments assignments;
    private final Orchestrator orchestrator;
    private final RoomProperties properties;
    private final MeterRegistry meters;
    private final Clock clock;
    private final Retry retry;
    private final ScheduledExecutorService scheduler;
    private final Set<String> deleting = ConcurrentHashMap.newKeySet();
    private final Timer closeDelay;
    private final JobLane roomCloses;
    private final JobLane botStops;

    public SessionTeardown(DailyApi daily, RoomPool pool, RoomAssignments assignments, Orchestrator orchestrator,
                           SessionRegistry registry, RoomProperties properties, MeterRegistry meters, Clock clock,
                           ScheduledExecutorService scheduler) {
        this.daily = daily;
        this.pool = pool;
        this.registry = registry;
        this.assignments = assignments;
        this.orchestrator = orchestrator;
        this.properties = properties;
        this.meters = meters;
        this.clock = clock;
        this.retry = new Retry(scheduler);
        this.scheduler = scheduler;
        Gauge.builder("room.teardown.room_deletes.pending", deleting, Set::size)
                .description("Closed rooms waiting to be deleted").register(meters);
        this.roomCloses = new JobLane(properties.teardown().concurrency());
        this.botStops = new JobLane(properties.teardown().concurrency());
        Gauge.builder("room.teardown.lane", roomCloses, JobLane::size).tag("part", "room_close")
                .description("Tear-down steps running or waiting for their turn").register(meters);
        Gauge.builder("room.teardown.lane", botStops, JobLane::size).tag("part", "bot_stop")
                .description("Tear-down steps running or waiting for their turn").register(meters);
        this.closeDelay = Timer.builder("room.teardown.room_closed")
                .description("From a session's end (its fact) to its room closed (nobody can join, everyone ejected)")
                .serviceLevelObjectives(Duration.ofSeconds(1), Duration.ofSeconds(10)).register(meters);
    }

    /** True while this worker is deleting the room (closed already) in the background. */
    public boolean isDeleting(String roomName) {
        return deleting.contains(roomName);
    }

    /**
     * Tears down the session that ended at {@code endedAt}; completes (normally) when its room is
     * closed and its bot stopped, or given up. The room's delete goes on in the background.
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
        CompletableFuture<Boolean> room = registry.knownWithoutRoom(sessionId) ? CompletableFuture.completedFuture(false)
                : roomCloses.submit(() -> assignment(sessionId).thenCompose(a -> retry.until(
                () -> daily.closeRoom(roomName(sessionId, a), clock.instant().plus(CLOSE_AFTER),
                        Deadline.in(properties.teardownBudget())), BACKOFF, stop,
                (attempt, error) -> log.warn("Session {}: closing its room failed (try {}): {}", sessionId, attempt,
                        error.toString())).thenApply(closed -> {
                            if (endedAt != null) {
                                closeDelay.record(Duration.between(endedAt, clock.instant()));
                            }
                            if (closed && pool.recycles() && a.filter(RoomAssignment::pooled).isPresent()) {
                                recycleInBackground(a.get(), giveUpAt);
                            } else {
                                deleteInBackground(sessionId, a, closed, giveUpAt);
                            }
                            return closed;
                        })));
        CompletableFuture<Boolean> firstStop = botStops.submit(() -> stopBot(sessionId, stop));
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
        return room.handle((closed, roomError) -> bot.handle((stopped, botError) -> {
            if (roomError == null && botError == null) {
                meters.counter("room.teardowns", "outcome", "done").increment();
                log.info("Session {} torn down (room {}, bot stopped: {})", sessionId,
                        closed ? "closed, its delete queued" : "already gone", stopped);
            } else if (cancelled.getAsBoolean()) {
                meters.counter("room.teardowns", "outcome", "cancelled").increment();
            } else {
                meters.counter("room.teardowns", "outcome", "given_up").increment();
                log.error("Session {}: tear-down given up after {} (room: {}, bot: {}); the room's exp and the "
                        + "reconciliation bound what is left", sessionId, properties.teardown().giveUpAfter(),
                        roomError == null ? "closed" : roomError.toString(), botError == null ? "stopped" : botError.toString());
            }
            return (Void) null;
        })).thenCompose(f -> f);
    }

    /**
     * Deletes a closed room (Daily's delete family, housekeeping priority), then tombstones the
     * session's assignment, retried until {@code giveUpAt}; a room that was gone already only needs
     * the tombstone.
     */
    private void deleteInBackground(String sessionId, Optional<RoomAssignment> assigned, boolean closed,
                                    Instant giveUpAt) {
        String name = roomName(sessionId, assigned);
        if ((!closed && assigned.isEmpty()) || !deleting.add(name)) {
            return;
        }
        retry.until(() -> {
                    CompletableFuture<Boolean> deleted = closed
                            ? daily.deleteRoom(name, Priority.HOUSEKEEPING, Deadline.in(properties.teardownBudget()))
                            : CompletableFuture.completedFuture(false);
                    return assigned.isEmpty() ? deleted
                            : deleted.thenCompose(found -> assignments.remove(sessionId).thenApply(removed -> found));
                }, BACKOFF, () -> !clock.instant().isBefore(giveUpAt),
                (attempt, error) -> log.debug("Session {}: deleting its closed room {} failed (try {}): {}", sessionId,
                        name, attempt, error.toString()))
                .whenComplete((deleted, error) -> {
                    deleting.remove(name);
                    if (error != null) {
                        meters.counter("room.teardown.room_deletes", "outcome", "given_up").increment();
                        log.warn("Session {}: deleting its closed room {} given up ({}); the reconciliation deletes "
                                + "it", sessionId, name, error.toString());
                    } else if (closed) {
                        meters.counter("room.teardown.room_deletes", "outcome", deleted ? "deleted" : "gone").increment();
                        log.debug("Session {}: closed room {} deleted", sessionId, name);
                    }
                });
    }

    /**
     * Gives a closed pooled room back to the pool once its assignment is tombstoned (so webhooks and
     * the reconciliation never take a later session's room for this one's): reusable when the
     * session's tokens have expired ({@code room.token-join-window} from the assignment) and its
     * close has ejected everyone, plus a margin; at once (after the close) when this worker knows
     * the set-up failed before any token was issued (a set-up refused by Daily's budget).
     */
    private void recycleInBackground(RoomAssignment assignment, Instant giveUpAt) {
        Instant closed = clock.instant().plus(CLOSE_AFTER);
        Instant tokensExpired = registry.knownWithoutTokens(assignment.sessionId()) ? closed
                : assignment.assignedAt() == null ? clock.instant().plus(properties.tokenJoinWindow())
                : assignment.assignedAt().plus(properties.tokenJoinWindow());
        Instant reusableAt = (tokensExpired.isAfter(closed) ? tokensExpired : closed).plus(REUSE_MARGIN);
        String sessionId = assignment.sessionId();
        retry.until(() -> assignments.remove(sessionId).thenApply(ignored -> true), BACKOFF,
                        () -> !clock.instant().isBefore(giveUpAt),
                        (attempt, error) -> log.debug("Session {}: tombstoning its room assignment failed (try {}): {}",
                                sessionId, attempt, error.toString()))
                .whenComplete((ok, error) -> {
                    if (error != null) {
                        log.warn("Session {}: its room assignment was not tombstoned ({}); room {} is not reused, the "
                                + "reconciliation deletes it", sessionId, error.toString(), assignment.roomName());
                        return;
                    }
                    meters.counter("room.teardown.rooms_recycled").increment();
                    pool.giveBack(new DailyRoom(null, assignment.roomName(), assignment.roomUrl(), "private", null, null),
                            reusableAt);
                });
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
                        log.warn("Session {}: room assignments not caught up ({}); closing by what is known",
                                sessionId, error.toString());
                    }
                    return assignments.ofSession(sessionId);
                });
    }

    private static String roomName(String sessionId, Optional<RoomAssignment> assigned) {
        return assigned.map(RoomAssignment::roomName).orElse(sessionId);
    }
}
