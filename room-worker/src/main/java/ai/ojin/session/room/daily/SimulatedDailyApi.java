package ai.ojin.session.room.daily;

import ai.ojin.session.room.http.Deadline;
import ai.ojin.session.room.http.Priority;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;

/**
 * In-process stand-in for Daily when no DAILY_API_KEY is set and simulation is allowed
 * (standalone): rooms live in memory and their URLs point nowhere real.
 */
public final class SimulatedDailyApi implements DailyApi {

    private final Map<String, DailyRoom> rooms = new ConcurrentHashMap<>();
    private final Clock clock;

    /** @param clock when rooms are created (their {@code created_at}, which the reconciliation reads) */
    public SimulatedDailyApi(Clock clock) {
        this.clock = clock;
    }

    @Override
    public CompletableFuture<DailyRoom> createRoom(String name, Instant exp, Priority priority, Deadline deadline) {
        DailyRoom room = new DailyRoom(UUID.randomUUID().toString(), name, "https://simulated.daily.invalid/" + name,
                "private", clock.instant(), exp);
        DailyRoom existing = rooms.putIfAbsent(name, room);
        return existing == null ? CompletableFuture.completedFuture(room)
                : CompletableFuture.failedFuture(new RoomExistsException(name));
    }

    @Override
    public CompletableFuture<String> domainId(Deadline deadline) {
        return CompletableFuture.completedFuture("simulated-domain");
    }

    @Override
    public CompletableFuture<Optional<DailyRoom>> getRoom(String name, Deadline deadline) {
        return CompletableFuture.completedFuture(Optional.ofNullable(rooms.get(name)));
    }

    @Override
    public CompletableFuture<Optional<DailyRoom>> setRoomExp(String name, Instant exp, Priority priority,
                                                           Deadline deadline) {
        DailyRoom updated = rooms.computeIfPresent(name, (n, r) -> new DailyRoom(r.id(), r.name(), r.url(), r.privacy(),
                r.createdAt(), exp));
        return CompletableFuture.completedFuture(Optional.ofNullable(updated));
    }

    @Override
    public CompletableFuture<Boolean> deleteRoom(String name, Priority priority, Deadline deadline) {
        return CompletableFuture.completedFuture(rooms.remove(name) != null);
    }

    @Override
    public CompletableFuture<String> mintToken(MeetingTokenRequest request, Deadline deadline) {
        return CompletableFuture.completedFuture("simulated-" + UUID.randomUUID());
    }

    @Override
    public CompletableFuture<RoomPage> listRooms(String startingAfter, int limit, Deadline deadline) {
        List<DailyRoom> all = new ArrayList<>(rooms.values());
        all.sort(Comparator.comparing(DailyRoom::id));
        List<DailyRoom> page = all.stream()
                .filter(r -> startingAfter == null || r.id().compareTo(startingAfter) > 0)
                .limit(limit)
                .toList();
        return CompletableFuture.completedFuture(new RoomPage(all.size(), page));
    }
}
