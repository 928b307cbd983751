package ai.ojin.session.connect.web;

import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BiConsumer;

/**
 * Waits up to {@code connect.thread-wait} on the request's own thread for an answer that usually
 * comes within a few milliseconds. A handler that then returns the answer itself (a
 * {@code ResponseEntity}; handlers declare {@code Object}, and Spring MVC picks the return-value
 * handler by the value's class) has it written at once, on this thread. Returning the future or a
 * {@code DeferredResult} instead starts async processing, even for an answer already there, and
 * the answer is written after a second dispatch through the filter chain and the
 * {@code DispatcherServlet}: that dispatch was half of the web layer's CPU per connect.
 *
 * <p>The wait parks the thread until the answer's completion unparks it or the wait is over. It
 * does not use {@code CompletableFuture.get(timeout)}: a wait that ends without the answer (most
 * admissions under load) would then cost a {@code TimeoutException} whose stack trace spans the
 * whole servlet stack (1.4 % of the stack's CPU at 500 admissions/s, BENCHMARKS.md).
 */
public final class ThreadWait {

    private final long nanos;

    public ThreadWait(Duration wait) {
        this.nanos = wait.toNanos();
    }

    /** @return the answer when it came within the wait (a failed answer: empty, like one still to come) */
    public <T> Optional<T> await(CompletableFuture<T> answer) {
        if (nanos > 0 && !answer.isDone()) {
            park(answer);
        }
        return answer.isDone() && !answer.isCompletedExceptionally() ? Optional.ofNullable(answer.join()) : Optional.empty();
    }

    private void park(CompletableFuture<?> answer) {
        Waiter waiter = new Waiter(Thread.currentThread());
        answer.whenComplete(waiter);
        long deadline = System.nanoTime() + nanos;
        try {
            for (long left = nanos; left > 0 && !answer.isDone(); left = deadline - System.nanoTime()) {
                LockSupport.parkNanos(this, left);
                if (Thread.currentThread().isInterrupted()) {
                    return; // the flag stays set for the caller; parking again would return at once
                }
            }
        } finally {
            waiter.thread = null; // an answer that comes later leaves this thread, now doing other work, alone
        }
    }

    /** Unparks the waiting thread when the answer completes, unless it has stopped waiting. */
    private static final class Waiter implements BiConsumer<Object, Throwable> {

        private volatile Thread thread;

        Waiter(Thread thread) {
            this.thread = thread;
        }

        @Override
        public void accept(Object value, Throwable error) {
            Thread waiting = thread;
            if (waiting != null) {
                LockSupport.unpark(waiting);
            }
        }
    }
}
