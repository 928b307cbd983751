package ai.ojin.session.room.jobs;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;

/**
 * Runs asynchronous work with at most {@code concurrency} pieces in progress; the rest waits in a
 * FIFO queue. Separate lanes keep one kind of work (tear-downs) from crowding out another (set-ups).
 */
public final class JobLane {

    private final int concurrency;
    private final ConcurrentLinkedQueue<Queued<?>> queue = new ConcurrentLinkedQueue<>();
    private final AtomicInteger running = new AtomicInteger();
    private final AtomicInteger queued = new AtomicInteger();

    public JobLane(int concurrency) {
        if (concurrency < 1) {
            throw new IllegalArgumentException("concurrency must be at least 1");
        }
        this.concurrency = concurrency;
    }

    private record Queued<T>(Supplier<CompletableFuture<T>> work, CompletableFuture<T> done) {

        /** Starts the work; when it ends: {@code freed}, then {@code done} completes, then {@code next}. */
        void start(Runnable freed, Runnable next) {
            CompletableFuture<T> started;
            try {
                started = work.get();
            } catch (RuntimeException e) {
                started = CompletableFuture.failedFuture(e);
            }
            started.whenComplete((value, error) -> {
                freed.run();
                if (error != null) {
                    done.completeExceptionally(error);
                } else {
                    done.complete(value);
                }
                next.run();
            });
        }
    }

    /** Completes (normally or not) as the work does, once it got its turn. */
    public <T> CompletableFuture<T> submit(Supplier<CompletableFuture<T>> work) {
        CompletableFuture<T> done = new CompletableFuture<>();
        queue.add(new Queued<>(work, done));
        queued.incrementAndGet();
        drain();
        return done;
    }

    /** Pieces in progress plus pieces waiting. */
    public int size() {
        return running.get() + queued.get();
    }

    public int running() {
        return running.get();
    }

    private void drain() {
        while (!queue.isEmpty()) {
            int now = running.get();
            if (now >= concurrency) {
                return;
            }
            if (!running.compareAndSet(now, now + 1)) {
                continue;
            }
            Queued<?> next = queue.poll();
            if (next == null) {
                running.decrementAndGet();
                continue;
            }
            queued.decrementAndGet();
            next.start(running::decrementAndGet, this::drain);
        }
    }
}
