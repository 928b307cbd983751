package ai.ojin.session.room.http;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * Runs a short, non-blocking task after a delay. {@link #JDK} (the default) runs it on the JDK's
 * delay thread itself, with no hand-over to the common pool; tests give one that follows a clock
 * of their own, so that they control time without sleeping.
 */
@FunctionalInterface
public interface Delayer {

    /** The JDK's delay thread (what {@code CompletableFuture.delayedExecutor} uses). */
    Delayer JDK = (nanos, task) -> CompletableFuture
            .delayedExecutor(Math.max(0, nanos), TimeUnit.NANOSECONDS, Runnable::run)
            .execute(task);

    void runAfter(long nanos, Runnable task);
}
