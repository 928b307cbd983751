package ai.ojin.session.room.http;

import static org.assertj.core.api.Assertions.assertThat;

import ai.ojin.session.room.time.VirtualTime;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

/** The token bucket and its two priorities, on a virtual ticker: no test waits in real time. */
class RateLimiterTest {

    private static final Duration LONG_WAIT = Duration.ofMinutes(1);

    private final VirtualTime time = new VirtualTime();
    private final RateLimiter limiter = new RateLimiter(10, time, time.delayer());

    @Test
    void shouldGrantABurstOfOneSecondThenOnePermitPerTenthOfASecond() {
        // given a limit of 10 per second, unused so far

        // when 11 calls ask at once
        List<CompletableFuture<Void>> burst = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            burst.add(limiter.acquire(Priority.SETUP, LONG_WAIT));
        }
        CompletableFuture<Void> eleventh = limiter.acquire(Priority.SETUP, LONG_WAIT);

        // then the first ten pass at once and the eleventh waits for the next permit, 100 ms later
        assertThat(burst).allMatch(CompletableFuture::isDone);
        assertThat(eleventh).isNotDone();
        time.advance(Duration.ofMillis(99));
        assertThat(eleventh).isNotDone();
        time.advance(Duration.ofMillis(1));
        assertThat(eleventh).isCompleted();
        assertThat(limiter.waiting()).isZero();
    }

    @Test
    void shouldHoldTheRateOverTime() {
        // given a limit of 10 per second whose burst is spent
        drainTheBurst();

        // when 30 calls wait, and 2 seconds pass
        List<CompletableFuture<Void>> calls = new ArrayList<>();
        for (int i = 0; i < 30; i++) {
            calls.add(limiter.acquire(Priority.BACKGROUND, LONG_WAIT));
        }
        time.advance(Duration.ofSeconds(2));

        // then exactly 20 got a permit, in the order they asked
        assertThat(calls.stream().filter(CompletableFuture::isDone).count()).isEqualTo(20);
        assertThat(calls.subList(0, 20)).allMatch(CompletableFuture::isDone);
        assertThat(limiter.waiting()).isEqualTo(10);
    }

    @Test
    void shouldGiveWaitingSetupsTheNextPermitsBeforeWaitingBackgroundCalls() {
        // given a spent burst and 50 background calls waiting
        drainTheBurst();
        List<String> granted = new CopyOnWriteArrayList<>();
        for (int i = 0; i < 50; i++) {
            String name = "background-" + i;
            limiter.acquire(Priority.BACKGROUND, LONG_WAIT).thenRun(() -> granted.add(name));
        }

        // when two set-ups ask after them
        limiter.acquire(Priority.SETUP, LONG_WAIT).thenRun(() -> granted.add("setup-1"));
        limiter.acquire(Priority.SETUP, LONG_WAIT).thenRun(() -> granted.add("setup-2"));
        time.advance(Duration.ofMillis(300));

        // then the set-ups get the next two permits, and the background calls follow in order
        assertThat(granted).containsExactly("setup-1", "setup-2", "background-0");
    }

    @Test
    void shouldLetASetupTakeAFreePermitAtOnceWhileBackgroundCallsWait() {
        // given a spent burst and background calls waiting
        drainTheBurst();
        CompletableFuture<Void> background = limiter.acquire(Priority.BACKGROUND, LONG_WAIT);
        CompletableFuture<Void> moreBackground = limiter.acquire(Priority.BACKGROUND, LONG_WAIT);
        time.advance(Duration.ofMillis(100));
        assertThat(background).isCompleted();
        assertThat(moreBackground).isNotDone();

        // when a set-up asks
        CompletableFuture<Void> setup = limiter.acquire(Priority.SETUP, LONG_WAIT);

        // then it waits only for the next permit, ahead of the background call that waited before it
        time.advance(Duration.ofMillis(100));
        assertThat(setup).isCompleted();
        assertThat(moreBackground).isNotDone();
        time.advance(Duration.ofMillis(100));
        assertThat(moreBackground).isCompleted();
    }

    @Test
    void shouldFailACallThatCannotGetAPermitWithinItsWaitAndTakeNothing() {
        // given a spent burst (the next permit comes in 100 ms)
        drainTheBurst();

        // when one call can wait 50 ms only, and another cannot wait at all
        CompletableFuture<Void> impatient = limiter.acquire(Priority.SETUP, Duration.ofMillis(50));
        CompletableFuture<Void> noWait = limiter.acquire(Priority.SETUP, Duration.ZERO);

        // then both fail without a permit
        assertThat(noWait).isCompletedExceptionally();
        time.advance(Duration.ofMillis(50));
        assertThat(impatient).failsWithin(Duration.ZERO)
                .withThrowableThat().withCauseInstanceOf(RateLimiter.NoPermitException.class);
        assertThat(limiter.waiting()).isZero();

        // and the permit that comes 100 ms in is still there for the next call
        time.advance(Duration.ofMillis(50));
        assertThat(limiter.acquire(Priority.BACKGROUND, Duration.ZERO)).isCompleted();
    }

    @Test
    void shouldRefillAtMostOneSecondOfBurst() {
        // given a limiter left unused for a minute
        time.advance(Duration.ofMinutes(1));

        // when 20 calls that cannot wait ask at once
        long granted = 0;
        for (int i = 0; i < 20; i++) {
            granted += limiter.acquire(Priority.SETUP, Duration.ZERO).isCompletedExceptionally() ? 0 : 1;
        }

        // then only the one-second burst (10) passes
        assertThat(granted).isEqualTo(10);
    }

    private void drainTheBurst() {
        for (int i = 0; i < 10; i++) {
            assertThat(limiter.acquire(Priority.SETUP, Duration.ZERO)).isCompleted();
        }
        assertThat(limiter.acquire(Priority.SETUP, Duration.ZERO)).isCompletedExceptionally();
    }
}
