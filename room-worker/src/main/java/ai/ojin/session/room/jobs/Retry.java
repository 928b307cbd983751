package ai.ojin.session.room.jobs;

import ai.ojin.session.support.Futures;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.function.BiConsumer;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/**
 * Repeats an asynchronous step until it succeeds or {@code stop} says to give up, waiting an
 * exponential, jittered backoff between tries on a scheduler (no thread waits). Used for what must
 * not be lost: writing a job's outcome to Kafka, deleting a room, stopping a bot.
 */
public final class Retry {

    private final ScheduledExecutorService scheduler;

    public Retry(ScheduledExecutorService scheduler) {
        this.scheduler = scheduler;
    }

    /** @param initial the first pause; each next one doubles, up to {@code max} */
    public record Backoff(Duration initial, Duration max) {

        public Duration after(int failures) {
            long base = Math.min(max.toMillis(), initial.toMillis() << Math.min(failures - 1, 20));
            return Duration.ofMillis(base / 2 + ThreadLocalRandom.current().nextLong(base / 2 + 1));
        }
    }

    /**
     * @param onFailure told of each failed try (its number and cause) before the pause
     * @return the first success, or the last failure once {@code stop} is true
     */
    public <T> CompletableFuture<T> until(Supplier<CompletableFuture<T>> step, Backoff backoff, BooleanSupplier stop,
                                          BiConsumer<Integer, Throwable> onFailure) {
        CompletableFuture<T> result = new CompletableFuture<>();
        attempt(step, backoff, stop, onFailure, 1, result);
        return result;
    }

    private <T> void attempt(Supplier<CompletableFuture<T>> step, Backoff backoff, BooleanSupplier stop,
                             BiConsumer<Integer, Throwable> onFailure, int attempt, CompletableFuture<T> result) {
        CompletableFuture<T> tried;
        try {
            tried = step.get();
        } catch (RuntimeException e) {
            tried = CompletableFuture.failedFuture(e);
        }
        tried.whenComplete((value, error) -> {
            if (error == null) {
                result.complete(value);
                return;
            }
            Throwable cause = Futures.cause(error);
            onFailure.accept(attempt, cause);
            if (stop.getAsBoolean()) {
                result.completeExceptionally(cause);
                return;
            }
            scheduler.schedule(() -> attempt(step, backoff, stop, onFailure, attempt + 1, result),
                    backoff.after(attempt).toMillis(), TimeUnit.MILLISECONDS);
        });
    }

}
