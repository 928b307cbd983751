package ai.ojin.session.room.reconcile;

import ai.ojin.session.support.Futures;
import ai.ojin.session.events.SessionIds;
import ai.ojin.session.events.room.RoomAssignment;
import ai.ojin.session.room.assignment.RoomAssignments;
import ai.ojin.session.room.config.RoomProperties;
import ai.ojin.session.room.daily.DailyApi;
import ai.ojin.session.room.daily.DailyRoom;
import ai.ojin.session.room.daily.RoomPage;
import ai.ojin.session.room.http.Deadline;
import ai.ojin.session.room.http.Priority;
import ai.ojin.session.room.jobs.Retry;
import ai.ojin.session.room.pool.RoomPool;
import ai.ojin.session.room.session.SessionRegistry;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.function.Predicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Every {@code room.reconcile-interval}, lists Daily's rooms and deletes the rooms of ours (named
 * by a session id) that belong to no session this worker knows to be live or in set-up, were
 * created while this worker owned their agent's partition, and are older than
 * {@code room.reconcile-grace}. This is how a room whose create call timed out, but which Daily
 * made anyway, goes away. It also deletes rooms of ours whose {@code exp} has passed (nobody can
 * join them any more: a session's room closed by its tear-down whose delete was given up or lost
 * with a worker, an expired pooled room) when their partition is owned here now, except rooms
 * whose delete this worker runs already or that its pool keeps to reuse. A closed pooled room may
 * rest in another worker's pool, to be reopened: it is deleted only once it has been closed longer
 * than a room rests ({@code room.token-join-window} + {@link RoomPool#SPARE_MAX_AGE} + a minute),
 * which bounds the rooms of a worker that stopped or died. Only rooms with this deployment's mark
 * ({@code ROOM_NAME_PREFIX}, kept by the Daily client) are ever considered: the client lists other
 * rooms without a name. A pooled room is a room of ours only through its assignment (then the same
 * rules hold for its session, with the time it was assigned) or once past its exp; rooms waiting
 * in a pool are never touched. Listing and deleting are housekeeping in Daily's budget; a delete
 * that fails is left to the next pass.
 */
public class RoomReconciler {

    private static final Logger log = LoggerFactory.getLogger(RoomReconciler.class);
    private static final int PAGE_SIZE = 100;
    private static final Duration PASS_BUDGET = Duration.ofSeconds(30);

    private final DailyApi daily;
    private final SessionRegistry registry;
    private final RoomAssignments assignments;
    private final PartitionOwnership ownership;
    private final RoomProperties properties;
    private final MeterRegistry meters;
    private final Predicate<String> beingDeleted;
    private final Clock clock;

    /** @param beingDeleted true for a room whose delete this worker runs already (left alone here) */
    public RoomReconciler(DailyApi daily, SessionRegistry registry, RoomAssignments assignments,
                          PartitionOwnership ownership, RoomProperties properties, MeterRegistry meters,
                          Predicate<String> beingDeleted, Clock clock) {
        this.beingDeleted = beingDeleted;
        this.clock = clock;
        this.daily = daily;
        this.registry = registry;
        this.assignments = assignments;
        this.ownership = ownership;
        this.properties = properties;
        this.meters = meters;
        if (!properties.reconcileInterval().isZero() && !properties.reconcileInterval().isNegative()
                && properties.daily().roomNamePrefix().isEmpty()) {
            log.warn("ROOM_NAME_PREFIX is not set: reconciliation treats every Daily room named like a session id as "
                    + "this deployment's; set a prefix of its own when several deployments share a Daily domain");
        }
    }

    /**
     * One pass, page by page: the orphans of a page are deleted before the next page is asked for,
     * so a pass cut short by its budget has still done what it read. A page whose last room was
     * seen before (a cursor that does not advance) ends the pass. Returns the names of the rooms
     * it deleted.
     */
    public List<String> reconcileOnce() {
        if (!ownership.ownsAny()) {
            return List.of();
        }
        Deadline deadline = Deadline.in(PASS_BUDGET);
        Instant now = clock.instant();
        Instant youngest = now.minus(properties.reconcileGrace());
        List<String> deleted = new ArrayList<>();
        Set<String> cursors = new HashSet<>();
        String after = null;
        while (!deadline.passed()) {
            RoomPage page = daily.listRooms(after, PAGE_SIZE, deadline).join();
            List<String> orphans = page.rooms().stream().filter(room -> isOrphan(room, youngest, now))
                    .map(DailyRoom::name).toList();
            deleted.addAll(delete(orphans, deadline));
            if (page.rooms().size() < PAGE_SIZE) {
                break;
            }
            after = page.rooms().get(page.rooms().size() - 1).id();
            if (!cursors.add(after)) {
                log.warn("Daily's room list did not advance past room {}: reconciliation pass stopped", after);
                meters.counter("room.reconcile.stuck-pages").increment();
                break;
            }
        }
        if (!deleted.isEmpty()) {
            log.info("Reconciliation deleted {} orphan room(s): {}", deleted.size(), deleted);
            meters.counter("room.reconcile.deleted").increment(deleted.size());
        }
        return deleted;
    }

    /** Deletes the rooms (then their assignments), within the pass's deadline; returns those deleted. */
    private List<String> delete(List<String> orphans, Deadline deadline) {
        List<CompletableFuture<String>> deletes = orphans.stream()
                .map(name -> {
                    CompletableFuture<Boolean> deleted = daily.deleteRoom(name, Priority.HOUSEKEEPING, deadline);
                    return assignments.ofRoom(name)
                            .map(a -> deleted.thenCompose(found -> assignments.remove(a.sessionId()).thenApply(x -> found)))
                            .orElse(deleted)
                            .handle((found, error) -> {
                                if (error == null) {
                                    return name;
                                }
                                meters.counter("room.reconcile.delete-failures").increment();
                                log.warn("Reconciliation: deleting room {} failed ({}); next pass", name,
                                        Futures.cause(error).toString());
                                return (String) null;
                            });
                })
                .toList();
        CompletableFuture.allOf(deletes.toArray(CompletableFuture[]::new)).join();
        return deletes.stream().map(CompletableFuture::join).filter(Objects::nonNull).toList();
    }

    private boolean isOrphan(DailyRoom room, Instant youngest, Instant now) {
        if (room.name() == null || beingDeleted.test(room.name())) {
            return false;
        }
        if (room.exp() != null && !room.exp().isAfter(now)) {
            boolean mayRest = RoomPool.isPoolRoomName(room.name()) && assignments.ofRoom(room.name()).isEmpty();
            return isOursAndOwnedNow(room.name()) && (!mayRest || room.exp().isBefore(now.minus(longestRest())));
        }
        if (room.createdAt() == null || room.createdAt().isAfter(youngest)) {
            return false;
        }
        Optional<RoomAssignment> assigned = assignments.ofRoom(room.name()).filter(RoomAssignment::pooled);
        if (assigned.isPresent()) {
            RoomAssignment a = assigned.get();
            return a.assignedAt() != null && !a.assignedAt().isAfter(youngest)
                    && !registry.isKnownLive(a.sessionId())
                    && ownership.ownedBefore(a.agentId(), a.assignedAt());
        }
        return SessionIds.agentOf(room.name())
                .filter(agent -> !registry.isKnownLive(room.name()))
                .filter(agent -> ownership.ownedBefore(agent, room.createdAt()))
                .isPresent();
    }

    /**
     * A session's room (by its agent's partition), or a pooled room (by its assignment's agent, else
     * by its own name as a key): one owner among the workers, whatever created it.
     */
    private boolean isOursAndOwnedNow(String name) {
        Optional<String> key = assignments.ofRoom(name).map(RoomAssignment::agentId)
                .or(() -> SessionIds.agentOf(name))
                .or(() -> Optional.of(name).filter(RoomPool::isPoolRoomName));
        return key.filter(ownership::owns).isPresent();
    }

    /** How long a closed pooled room may rest in a pool before it is reopened or deleted there. */
    private Duration longestRest() {
        return properties.tokenJoinWindow().plus(RoomPool.SPARE_MAX_AGE).plusMinutes(1);
    }

    /** One pass run by the schedule: a failure is counted ({@code room.reconcile.failures}) and logged. */
    public void pass() {
        try {
            reconcileOnce();
        } catch (RuntimeException e) {
            meters.counter("room.reconcile.failures").increment();
            log.error("Room reconciliation failed; next pass in {}", properties.reconcileInterval(), e);
        }
    }
}
