package ai.ojin.session.room.pool;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class RefillDemandTest {

    private static final Instant T0 = Instant.parse("2026-12-04T12:00:00Z");

    @Test
    void shouldKeepTheFloorWithoutDemandOrBeforeAnyCreationIsTimed() {
        // given
        RefillDemand demand = new RefillDemand(Duration.ofSeconds(10));

        // when: rooms are taken but no creation has been timed yet
        for (int i = 0; i < 100; i++) {
            demand.taken(T0.plusMillis(i * 100L));
        }

        // then
        assertThat(demand.concurrency(T0.plusSeconds(10), 4, 50)).isEqualTo(4);
    }

    @Test
    void shouldFollowTakesPerSecondTimesCreationTimeDoubled() {
        // given: 8 rooms taken per second for 10 s, Daily creating a room in 1 s
        RefillDemand demand = new RefillDemand(Duration.ofSeconds(10));
        for (int i = 0; i < 80; i++) {
            demand.taken(T0.plusMillis(i * 125L));
        }
        demand.created(Duration.ofSeconds(1));

        // when
        int concurrency = demand.concurrency(T0.plusSeconds(10), 4, 50);

        // then: 8/s x 1 s x 2
        assertThat(demand.takesPerSecond(T0.plusSeconds(10))).isEqualTo(8.0);
        assertThat(concurrency).isEqualTo(16);
    }

    @Test
    void shouldNeverGoAboveThePoolSizeAndFallBackWhenDemandStops() {
        // given: 20 rooms taken per second, Daily at 2 s per creation (80 needed)
        RefillDemand demand = new RefillDemand(Duration.ofSeconds(10));
        for (int i = 0; i < 200; i++) {
            demand.taken(T0.plusMillis(i * 50L));
        }
        demand.created(Duration.ofSeconds(2));

        // then: capped at the pool's size while the demand lasts
        assertThat(demand.concurrency(T0.plusSeconds(10), 4, 50)).isEqualTo(50);
        // and back to the floor once the window holds no take
        assertThat(demand.concurrency(T0.plusSeconds(21), 4, 50)).isEqualTo(4);
    }

    @Test
    void shouldAverageTheCreationTimeTowardsRecentCreations() {
        // given: creations at 1 s, then Daily speeds up to 100 ms
        RefillDemand demand = new RefillDemand(Duration.ofSeconds(10));
        for (int i = 0; i < 100; i++) {
            demand.taken(T0.plusMillis(i * 100L));
        }
        demand.created(Duration.ofSeconds(1));
        int slow = demand.concurrency(T0.plusSeconds(10), 1, 1000);

        // when
        for (int i = 0; i < 30; i++) {
            demand.created(Duration.ofMillis(100));
        }

        // then: 10/s x 1 s x 2 = 20 before, close to 10/s x 0.1 s x 2 = 2 after
        assertThat(slow).isEqualTo(20);
        assertThat(demand.concurrency(T0.plusSeconds(10), 1, 1000)).isBetween(2, 3);
    }
}
