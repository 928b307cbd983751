package ai.ojin.session.room.jobs;

import ai.ojin.session.support.Futures;
import static org.assertj.core.api.Assertions.assertThat;

import ai.ojin.session.room.time.VirtualTime;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * Retry on a virtual scheduler: the pauses between tries are read from what it schedules, and time
 * moves only when the test advances it.
 */
class RetryTest {

    private static final Retry.Backoff BACKOFF = new Retry.Backoff(Duration.ofMillis(100), Duration.ofSeconds(1));

    private final VirtualTime time = new VirtualTime();
    private final Retry retry = new Retry(time.scheduler());
    private final List<String> failures = new CopyOnWriteArrayList<>();

    @Test
    void shouldRetryWithAnExponentialJitteredBackoffUntilTheStepSucceeds() {
        // given a step that fails twice, then succeeds
        AtomicInteger tries = new AtomicInteger();

        // when
        CompletableFuture<String> result = retry.until(() -> tries.incrementAndGet() <= 2
                        ? CompletableFuture.failedFuture(new IllegalStateException("try " + tries.get()))
                        : CompletableFuture.completedFuture("ok"),
                BACKOFF, () -> false, (attempt, error) -> failures.add(attempt + ": " + error.getMessage()));

        // then the first pause is half to all of 100 ms, and nothing is retried before it ends
        assertThat(tries).hasValue(1);
        Duration first = time.delays().get(0);
        assertThat(first).isBetween(Duration.ofMillis(50), Duration.ofMillis(100));
        time.advance(first.minusNanos(1));
        assertThat(tries).hasValue(1);
        time.advance(Duration.ofNanos(1));
        assertThat(tries).hasValue(2);

        // then the second pause doubles (100 to 200 ms), and the third try succeeds
        Duration second = time.delays().get(1);
        assertThat(second).isBetween(Duration.ofMillis(100), Duration.ofMillis(200));
        time.advance(second);
        assertThat(result).isCompletedWithValue("ok");
        assertThat(tries).hasValue(3);
        assertThat(failures).containsExactly("1: try 1", "2: try 2");
        assertThat(time.pending()).isZero();
    }

    @Test
    void shouldCapTheBackoffAtItsMax() {
        // given a step that always fails
        AtomicInteger tries = new AtomicInteger();
        retry.until(() -> {
            tries.incrementAndGet();
            return CompletableFuture.failedFuture(new IllegalStateException("down"));
        }, BACKOFF, () -> false, (attempt, error) -> { });

        // when it has failed 30 times
        while (tries.get() < 30) {
            time.advance(Duration.ofSeconds(1));
        }

        // then the pauses grew 100, 200, 400, 800 ms (each jittered down to half at most), then stayed at 1 s
        List<Duration> delays = time.delays();
        for (int i = 0; i < delays.size(); i++) {
            long base = Math.min(1000, 100L << Math.min(i, 20));
            assertThat(delays.get(i)).as("pause after failure %d", i + 1)
                    .isBetween(Duration.ofMillis(base / 2), Duration.ofMillis(base));
        }
        assertThat(delays.subList(4, delays.size())).allMatch(d -> d.compareTo(Duration.ofMillis(500)) >= 0);
    }

    @Test
    void shouldGiveUpWithTheLastFailureOnceItsBudgetIsSpent() {
        // given a step that always fails, and a budget of 2 s on the (virtual) wall clock
        Instant giveUpAt = time.clock().instant().plusSeconds(2);
        AtomicInteger tries = new AtomicInteger();

        // when
        CompletableFuture<String> result = retry.until(() -> CompletableFuture.failedFuture(
                        new IllegalStateException("failure " + tries.incrementAndGet())),
                BACKOFF, () -> !time.clock().instant().isBefore(giveUpAt), (attempt, error) -> { });
        time.advance(Duration.ofSeconds(10));

        // then it stopped once the budget was spent, with the last failure, and schedules nothing more
        assertThat(result).isCompletedExceptionally();
        assertThat(Futures.cause(result.handle((ok, error) -> error).join()))
                .isInstanceOf(IllegalStateException.class).hasMessage("failure " + tries.get());
        assertThat(tries.get()).isBetween(3, 10);
        assertThat(time.pending()).isZero();
        Duration spent = time.delays().stream().reduce(Duration.ZERO, Duration::plus);
        assertThat(spent).isGreaterThanOrEqualTo(Duration.ofSeconds(2)).isLessThan(Duration.ofSeconds(3));
    }

    @Test
    void shouldTreatAStepThatThrowsAsAFailedTry() {
        // given a step that throws once (instead of returning a failed future), then succeeds
        AtomicInteger tries = new AtomicInteger();

        // when
        CompletableFuture<Integer> result = retry.until(() -> {
            if (tries.incrementAndGet() == 1) {
                throw new IllegalStateException("thrown");
            }
            return CompletableFuture.supplyAsync(() -> 42, Runnable::run);
        }, BACKOFF, () -> false, (attempt, error) -> failures.add(attempt + ": " + error.getMessage()));
        time.advance(Duration.ofSeconds(1));

        // then
        assertThat(result).isCompletedWithValue(42);
        assertThat(failures).containsExactly("1: thrown");
    }

    @Test
    void shouldReportTheCauseInsideCompletionExceptions() {
        // given a step whose failure is wrapped (as thenCompose chains wrap it)
        AtomicInteger tries = new AtomicInteger();

        // when it fails and the caller gives up at once
        CompletableFuture<Void> result = retry.until(() -> {
            tries.incrementAndGet();
            return CompletableFuture.failedFuture(new CompletionException(new IllegalArgumentException("inner")));
        }, BACKOFF, () -> true, (attempt, error) -> failures.add(error.getClass().getSimpleName()));

        // then the cause itself is reported and returned, and nothing is retried
        assertThat(failures).containsExactly("IllegalArgumentException");
        assertThat(result.handle((ok, error) -> Futures.cause(error)).join())
                .isInstanceOf(IllegalArgumentException.class);
        assertThat(tries).hasValue(1);
        assertThat(time.pending()).isZero();
    }
}
