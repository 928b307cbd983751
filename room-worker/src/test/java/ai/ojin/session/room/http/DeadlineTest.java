package ai.ojin.session.room.http;

import static org.assertj.core.api.Assertions.assertThat;

import ai.ojin.session.room.time.VirtualTime;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

/** Deadlines on a virtual ticker and wall clock. */
class DeadlineTest {

    private final VirtualTime time = new VirtualTime();

    @Test
    void shouldPassExactlyWhenItsTickerReachesIt() {
        // given a deadline 2 s away
        Deadline deadline = Deadline.in(Duration.ofSeconds(2), time);

        // when 1.5 s pass
        time.advance(Duration.ofMillis(1500));

        // then half a second remains
        assertThat(deadline.remaining()).isEqualTo(Duration.ofMillis(500));
        assertThat(deadline.passed()).isFalse();

        // when the rest passes
        time.advance(Duration.ofMillis(500));

        // then it has passed, and what remains is zero, then negative
        assertThat(deadline.passed()).isTrue();
        assertThat(deadline.remaining()).isZero();
        time.advance(Duration.ofMillis(1));
        assertThat(deadline.remaining()).isNegative();
    }

    @Test
    void shouldTakeTheEarlierOfItsBudgetAndAWallClockLimit() {
        // given a wall-clock limit 3 s from now
        Instant notAfter = time.clock().instant().plusSeconds(3);

        // when / then: a budget of 10 s is cut to 3 s, one of 1 s stays 1 s, no limit keeps the budget
        assertThat(Deadline.within(Duration.ofSeconds(10), notAfter, time.clock(), time).remaining())
                .isEqualTo(Duration.ofSeconds(3));
        assertThat(Deadline.within(Duration.ofSeconds(1), notAfter, time.clock(), time).remaining())
                .isEqualTo(Duration.ofSeconds(1));
        assertThat(Deadline.within(Duration.ofSeconds(10), null, time.clock(), time).remaining())
                .isEqualTo(Duration.ofSeconds(10));
    }

    @Test
    void shouldHaveAlreadyPassedWhenTheWallClockLimitIsOver() {
        // given a wall-clock limit a second ago
        Instant notAfter = time.clock().instant().minusSeconds(1);

        // when
        Deadline deadline = Deadline.within(Duration.ofSeconds(10), notAfter, time.clock(), time);

        // then
        assertThat(deadline.passed()).isTrue();
    }

    @Test
    void shouldKeepTheSystemTickerForDeadlinesMadeWithoutOne() {
        // given / when
        Deadline deadline = Deadline.in(Duration.ofMinutes(1));

        // then
        assertThat(deadline.ticker()).isSameAs(Deadline.SYSTEM_TICKER);
        assertThat(deadline.remaining()).isPositive().isLessThanOrEqualTo(Duration.ofMinutes(1));
        assertThat(new Deadline(deadline.nanoTime())).isEqualTo(deadline);
    }
}
