package ai.ojin.session.room.pool;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import ai.ojin.session.room.config.RoomProperties;
import ai.ojin.session.room.daily.DailyApi;
import ai.ojin.session.room.daily.DailyRoom;
import ai.ojin.session.room.daily.MeetingTokenRequest;
import ai.ojin.session.room.daily.RoomPage;
import ai.ojin.session.room.daily.SimulatedDailyApi;
import ai.ojin.session.room.http.Deadline;
import ai.ojin.session.room.http.ExternalCallException;
import ai.ojin.session.room.http.Priority;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.context.properties.source.MapConfigurationPropertySource;

/** The rested rooms a full pool keeps: a miss may take one once it may be reused, never before. */
class RoomPoolRestingTest {

    @Test
    void shouldHandARestedRoomToAMissOnlyOnceItMayBeReused() {
        // given: a started pool of one room, full
        RoomProperties properties = new Binder(new MapConfigurationPropertySource(Map.of("room.pool.size", "1")))
                .bindOrCreate("room", RoomProperties.class);
        SimpleMeterRegistry meters = new SimpleMeterRegistry();
        RoomPool pool = new RoomPool(new SimulatedDailyApi(Clock.systemUTC()), properties, Clock.systemUTC(), meters);
        pool.start();
        try {
            await().atMost(Duration.ofSeconds(10)).until(() -> pool.size() == 1);

            // when: two closed rooms come back, one reusable already, one only in a minute
            pool.giveBack(room("pool-" + "r".repeat(26)), Instant.now().minusSeconds(1));
            pool.giveBack(room("pool-" + "s".repeat(26)), Instant.now().plusSeconds(60));

            // then: the pool is full, so both rest (held: the reconciliation leaves them alone)
            assertThat(pool.holds("pool-" + "r".repeat(26))).isTrue();
            assertThat(pool.holds("pool-" + "s".repeat(26))).isTrue();
            assertThat(meters.get("room.pool.resting").gauge().value()).isEqualTo(2);

            // and: a miss gets the reusable one, once; the other is not handed out before its time
            assertThat(pool.takeRested()).contains("pool-" + "r".repeat(26));
            assertThat(pool.holds("pool-" + "r".repeat(26))).isFalse();
            assertThat(pool.takeRested()).isEmpty();
            assertThat(meters.get("room.pool.misses_reopened").counter().count()).isEqualTo(1);
            assertThat(pool.size()).isEqualTo(1);
        } finally {
            pool.stop();
        }
    }

    @Test
    void shouldPutARestedRoomBackToRestWhenItsReopenFailsAndReopenItLater() {
        // given: a Daily whose first room update fails, and a started pool of one, full
        AtomicInteger updates = new AtomicInteger();
        AtomicInteger creations = new AtomicInteger();
        SimulatedDailyApi simulated = new SimulatedDailyApi(Clock.systemUTC());
        DailyApi daily = new DailyApi() {
            @Override
            public CompletableFuture<Optional<DailyRoom>> setRoomExp(String name, Instant exp, Priority priority,
                                                                   Deadline deadline) {
                return updates.incrementAndGet() == 1
                        ? CompletableFuture.failedFuture(new ExternalCallException("daily reopen_room: 503", 503))
                        : simulated.setRoomExp(name, exp, priority, deadline);
            }

            @Override
            public CompletableFuture<DailyRoom> createRoom(String name, Instant exp, Priority priority, Deadline deadline) {
                creations.incrementAndGet();
                return simulated.createRoom(name, exp, priority, deadline);
            }

            @Override
            public CompletableFuture<String> domainId(Deadline deadline) {
                return simulated.domainId(deadline);
            }

            @Override
            public CompletableFuture<Optional<DailyRoom>> getRoom(String name, Deadline deadline) {
                return simulated.getRoom(name, deadline);
            }

            @Override
            public CompletableFuture<Boolean> deleteRoom(String name, Priority priority, Deadline deadline) {
                return simulated.deleteRoom(name, priority, deadline);
            }

            @Override
            public CompletableFuture<String> mintToken(MeetingTokenRequest request, Deadline deadline) {
                return simulated.mintToken(request, deadline);
            }

            @Override
            public CompletableFuture<RoomPage> listRooms(String startingAfter, int limit, Deadline deadline) {
                return simulated.listRooms(startingAfter, limit, deadline);
            }
        };
        RoomProperties properties = new Binder(new MapConfigurationPropertySource(Map.of("room.pool.size", "1")))
                .bindOrCreate("room", RoomProperties.class);
        RoomPool pool = new RoomPool(daily, properties, Clock.systemUTC(), new SimpleMeterRegistry());
        pool.start();
        try {
            await().atMost(Duration.ofSeconds(10)).until(() -> pool.size() == 1);
            String rested = "pool-" + "t".repeat(26);
            simulated.createRoom(rested, Instant.now(), Priority.SETUP, Deadline.in(Duration.ofSeconds(1))).join();
            int createdBefore = creations.get();
            pool.giveBack(room(rested), Instant.now().minusSeconds(1));

            // when: a session takes the ready room, so the pool reopens the rested one (and Daily fails it once)
            assertThat(pool.take(Instant.now(), "s-1")).isPresent();

            // then: the rested room is reopened on a later try, not dropped, and no room is created instead
            await().atMost(Duration.ofSeconds(10)).until(() -> pool.size() == 1);
            assertThat(updates.get()).isEqualTo(2);
            assertThat(creations.get()).isEqualTo(createdBefore);
            // (checked before the next take: that take makes the pool refill, which may create a room then)
            assertThat(pool.take(Instant.now(), "s-2")).map(PooledRoom::name).contains(rested);
        } finally {
            pool.stop();
        }
    }

    private static DailyRoom room(String name) {
        return new DailyRoom(null, name, "https://simulated.daily.invalid/" + name, "private", null, null);
    }
}
