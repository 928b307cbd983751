package ai.ojin.session.connect.web;

import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Waits up to {@code connect.thread-wait} on the request's own thread for an answer that usually
 * comes within a few milliseconds. A handler that then returns the answer itself (a
 * {@code ResponseEntity}; handlers declare {@code Object}, and Spring MVC picks the return-value
 * handler by the value's class) has it written at once, on this thread. Returning the future or a
 * {@code DeferredResult} instead starts async processing, even for an answer already there, and
 * the answer is written after a second dispatch through the filter chain and the
 * {@code DispatcherServlet}: that dispatch was half of the web layer's CPU per connect.
 */
public final class ThreadWait {

    private final long nanos;

    public ThreadWait(Duration wait) {
        this.nanos = wait.toNanos();
    }

    /** @return the answer when it came within the wait (a failed answer: empty, like one still to come) */
    public <T> Optional<T> await(CompletableFuture<T> answer) {
        if (nanos > 0 && !answer.isDone()) {
            try {
                answer.get(nanos, TimeUnit.NANOSECONDS);
            } catch (TimeoutException | ExecutionException e) {
                // not yet (the wait goes on without this thread), or failed: the caller's async path answers it
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        return answer.isDone() && !answer.isCompletedExceptionally() ? Optional.ofNullable(answer.join()) : Optional.empty();
    }
}
