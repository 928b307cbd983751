package ai.ojin.session.room.http;

import static org.assertj.core.api.Assertions.assertThat;

import ai.ojin.session.room.time.VirtualTime;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The token bucket, its priorities and its rate, on a virtual ticker: no test waits in real time. */
class RateLimiterTest {

    private static final Duration LONG_WAIT = Duration.ofMinutes(10);

    private final VirtualTime time = new VirtualTime();
    private final RateLimiter limiter = new RateLimiter(10, 10, time, time.delayer());

    @Test
    void shouldGrantTheBurstThenOnePermitPerTenthOfASecond() {
        // given a limit of 10 per second with a burst of 10, unused so far

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
    void shouldHoldTheRateAndServeOnePriorityInTheOrderCallsAsked() {
        // given a limit of 10 per second whose burst is spent
        drainTheBurst();

        // when 30 calls wait, and 2 seconds pass
        List<CompletableFuture<Void>> calls = new ArrayList<>();
        for (int i = 0; i < 30; i++) {
            calls.add(limiter.acquire(Priority.HOUSEKEEPING, LONG_WAIT));
        }
        time.advance(Duration.ofSeconds(2));

        // then exactly 20 got a permit, the first 20 to ask
        assertThat(calls.stream().filter(CompletableFuture::isDone).count()).isEqualTo(20);
        assertThat(calls.subList(0, 20)).allMatch(CompletableFuture::isDone);
        assertThat(limiter.waiting()).isEqualTo(10);
    }

    @Test
    void shouldGrantWaitingCallsSetupsFirstThenEndingsThenRefillsThenHousekeeping() {
        // given a spent burst, and calls waiting in the reverse order of their priorities
        drainTheBurst();
        List<String> granted = new CopyOnWriteArrayList<>();
        for (Priority priority : List.of(Priority.HOUSEKEEPING, Priority.REFILL, Priority.ENDING, Priority.SETUP)) {
            for (int i = 1; i <= 2; i++) {
                String name = priority + "-" + i;
                limiter.acquire(priority, LONG_WAIT).thenRun(() -> granted.add(name));
            }
        }

        // when the next 8 permits come
        time.advance(Duration.ofMillis(800));

        // then they went by priority, and in asking order within one
        assertThat(granted).containsExactly("SETUP-1", "SETUP-2", "ENDING-1", "ENDING-2", "REFILL-1", "REFILL-2",
                "HOUSEKEEPING-1", "HOUSEKEEPING-2");
    }

    @Test
    void shouldGiveACallThatAsksLaterThePermitBeforeLowerPrioritiesThatWaitedLonger() {
        // given a spent burst, and housekeeping calls waiting
        drainTheBurst();
        CompletableFuture<Void> housekeeping = limiter.acquire(Priority.HOUSEKEEPING, LONG_WAIT);
        CompletableFuture<Void> moreHousekeeping = limiter.acquire(Priority.HOUSEKEEPING, LONG_WAIT);
        time.advance(Duration.ofMillis(100));
        assertThat(housekeeping).isCompleted();

        // when a refill asks
        CompletableFuture<Void> refill = limiter.acquire(Priority.REFILL, LONG_WAIT);

        // then it waits only for the next permit, ahead of the housekeeping call that waited before it
        time.advance(Duration.ofMillis(100));
        assertThat(refill).isCompleted();
        assertThat(moreHousekeeping).isNotDone();
        time.advance(Duration.ofMillis(100));
        assertThat(moreHousekeeping).isCompleted();
    }

    @Test
    void shouldTakeAFreePermitAtOnceOnlyWhenNoCallOfTheSameOrAHigherPriorityWaits() {
        // given a ticker the test moves and a delayer that never runs anything: a permit comes free while
        // an ending call waits, and no drain hands it out
        AtomicLong nanos = new AtomicLong();
        RateLimiter stalled = new RateLimiter(10, 1, nanos::get, (delay, task) -> { });
        assertThat(stalled.acquire(Priority.SETUP, Duration.ZERO)).isCompleted();
        CompletableFuture<Void> waitingEnding = stalled.acquire(Priority.ENDING, LONG_WAIT);
        nanos.addAndGet(Duration.ofMillis(100).toNanos());

        // when another ending call and a refill ask, then a set-up
        CompletableFuture<Void> ending = stalled.acquire(Priority.ENDING, LONG_WAIT);
        CompletableFuture<Void> refill = stalled.acquire(Priority.REFILL, LONG_WAIT);
        CompletableFuture<Void> setup = stalled.acquire(Priority.SETUP, LONG_WAIT);

        // then the ending call and the refill queue behind the waiting one; the set-up takes the free permit
        assertThat(ending).isNotDone();
        assertThat(refill).isNotDone();
        assertThat(setup).isCompleted();
        assertThat(waitingEnding).isNotDone();
        assertThat(stalled.waiting()).isEqualTo(3);
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
        assertThat(limiter.acquire(Priority.HOUSEKEEPING, Duration.ZERO)).isCompleted();
    }

    @Test
    void shouldRefuseHigherPrioritiesAtOnceWhileAProtectedCallHasWaitedLongerThanItsLimit() {
        // given endings protected after 1 s of waiting, a spent burst, and set-ups that take every permit
        limiter.protect(Priority.ENDING, Duration.ofSeconds(1));
        drainTheBurst();
        CompletableFuture<Void> ending = limiter.acquire(Priority.ENDING, LONG_WAIT);
        for (int i = 0; i < 12; i++) {
            limiter.acquire(Priority.SETUP, LONG_WAIT);
        }

        // when the ending has waited 1 s (10 permits, all to set-ups)
        time.advance(Duration.ofMillis(1000));
        assertThat(ending).isNotDone();
        time.advance(Duration.ofMillis(1));

        // then a new set-up is refused at once and takes nothing, a refill still waits its turn
        CompletableFuture<Void> refused = limiter.acquire(Priority.SETUP, LONG_WAIT);
        assertThat(refused).failsWithin(Duration.ZERO)
                .withThrowableThat().withCauseInstanceOf(RateLimiter.NoPermitException.class);
        CompletableFuture<Void> refill = limiter.acquire(Priority.REFILL, LONG_WAIT);
        assertThat(refill).isNotDone();

        // and once the set-ups that waited before have had their permits, the ending gets the next one and set-ups
        // are accepted again
        time.advance(Duration.ofMillis(300));
        assertThat(ending).isCompleted();
        assertThat(limiter.acquire(Priority.SETUP, LONG_WAIT)).isNotCompletedExceptionally();
    }

    @Test
    void shouldSaveUpNoMoreThanTheBurst() {
        // given a limiter left unused for a minute
        time.advance(Duration.ofMinutes(1));

        // when 20 calls that cannot wait ask at once
        long granted = 0;
        for (int i = 0; i < 20; i++) {
            granted += limiter.acquire(Priority.SETUP, Duration.ZERO).isCompletedExceptionally() ? 0 : 1;
        }

        // then only the burst (10) passes
        assertThat(granted).isEqualTo(10);
    }

    @Test
    void shouldFollowARateChangedWhileCallsWait() {
        // given a spent burst and calls waiting (the next permit due in 100 ms at 10/s)
        drainTheBurst();
        List<CompletableFuture<Void>> calls = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            calls.add(limiter.acquire(Priority.ENDING, LONG_WAIT));
        }

        // when the rate goes up to 20/s
        limiter.setRate(20);

        // then the next permit comes after 50 ms, not 100
        time.advance(Duration.ofMillis(50));
        assertThat(calls.get(0)).isCompleted();
        assertThat(limiter.rate()).isEqualTo(20);

        // and when it goes down to 1/s, the one after that comes a second later
        limiter.setRate(1);
        time.advance(Duration.ofMillis(999));
        assertThat(calls.get(1)).isNotDone();
        time.advance(Duration.ofMillis(1));
        assertThat(calls.get(1)).isCompleted();
        assertThat(calls.get(2)).isNotDone();
    }

    /** Daily's standard family and its room deletes, as the worker configures them by default. */
    @ParameterizedTest
    @ValueSource(strings = {"20/1s,100/5s", "2/1s,50/30s"})
    void shouldNeverLetMoreThanAWindowAllowsThroughAtTheSafeRateWithABurstOfOne(String spec) {
        // given a limiter at the safe rate of these windows, idle for a minute (its burst saved up)
        List<RateWindow> windows = RateWindow.parse(spec);
        RateLimiter safe = new RateLimiter(RateWindow.safeRate(windows), 1, time, time.delayer());
        time.advance(Duration.ofMinutes(1));
        List<Long> grantedAt = new CopyOnWriteArrayList<>();

        // when far more calls than it can serve ask, at once and then every 10 s, for 2 minutes
        for (int round = 0; round < 12; round++) {
            for (int i = 0; i < 300; i++) {
                safe.acquire(Priority.values()[i % 4], Duration.ofHours(1)).thenRun(() -> grantedAt.add(time.getAsLong()));
            }
            time.advance(Duration.ofSeconds(10));
        }

        // then no window (its ends included) ever saw more than it allows
        for (RateWindow window : windows) {
            assertThat(busiest(grantedAt, window.length())).as("most calls in %s", window).isLessThanOrEqualTo(window.requests());
        }

        // and the tightest window's allowance was used to at least 90 %
        double allowed = windows.stream().mapToDouble(w -> w.requests() * (120e9 / w.length().toNanos())).min().orElseThrow();
        assertThat(grantedAt.size()).isGreaterThanOrEqualTo((int) (0.9 * allowed));
    }

    @Test
    void shouldComputeTheSafeRatesOfDailysFamilies() {
        // when / then: 95 % of the tightest window's average
        assertThat(RateWindow.safeRate(RateWindow.parse("20/1s,100/5s"))).isEqualTo(19.0);
        assertThat(RateWindow.safeRate(RateWindow.parse("2/1s, 50/30s"))).isCloseTo(0.95 * 50 / 30, org.assertj.core.data.Offset.offset(1e-9));
        assertThat(RateWindow.parse("20/1s,100/5s")).hasToString("[20/1s, 100/5s]");
    }

    /** The most grants within any closed interval of {@code length} (one starts at a grant, without loss). */
    private static int busiest(List<Long> grantedAt, Duration length) {
        int most = 0;
        for (int i = 0, j = 0; i < grantedAt.size(); i++) {
            while (j < grantedAt.size() && grantedAt.get(j) - grantedAt.get(i) <= length.toNanos()) {
                j++;
            }
            most = Math.max(most, j - i);
        }
        return most;
    }

    private void drainTheBurst() {
        for (int i = 0; i < 10; i++) {
            assertThat(limiter.acquire(Priority.SETUP, Duration.ZERO)).isCompleted();
        }
        assertThat(limiter.acquire(Priority.SETUP, Duration.ZERO)).isCompletedExceptionally();
    }
}
