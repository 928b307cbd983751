package ai.ojin.session.room.pool;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import ai.ojin.session.room.config.RoomProperties;
import ai.ojin.session.room.daily.DailyRoom;
import ai.ojin.session.room.daily.SimulatedDailyApi;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
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
        RoomPool pool = new RoomPool(new SimulatedDailyApi(), properties, Clock.systemUTC(), meters);
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

    private static DailyRoom room(String name) {
        return new DailyRoom(null, name, "https://simulated.daily.invalid/" + name, "private", null, null);
    }
}
