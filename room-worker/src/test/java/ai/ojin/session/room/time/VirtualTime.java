package ai.ojin.session.room.time;

import ai.ojin.session.room.http.Delayer;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.PriorityQueue;
import java.util.concurrent.AbstractExecutorService;
import java.util.concurrent.Callable;
import java.util.concurrent.Delayed;
import java.util.concurrent.FutureTask;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;

/**
 * Time that moves only when a test says so: a nanosecond ticker, a wall clock, a {@link Delayer}
 * and a {@link ScheduledExecutorService} over one virtual "now". Delayed tasks run on the test's
 * thread, in due order, when {@link #advance(Duration)} (or {@link #runDue()}) reaches them; a task
 * is never run inside the call that scheduled it. Thread-safe.
 */
public final class VirtualTime implements LongSupplier {

    private static final Instant EPOCH = Instant.parse("2025-01-01T12:00:00Z");

    private final PriorityQueue<Task> tasks = new PriorityQueue<>();
    private final List<Duration> delays = new ArrayList<>();
    private long now = 1_000_000_000L;
    private long sequence;

    /** The virtual monotonic time in nanoseconds. */
    @Override
    public synchronized long getAsLong() {
        return now;
    }

    /** A wall clock that moves with this time (UTC). */
    public Clock clock() {
        return new VirtualClock(ZoneOffset.UTC);
    }

    public Delayer delayer() {
        return (nanos, task) -> schedule(task, nanos);
    }

    public ScheduledExecutorService scheduler() {
        return new VirtualScheduler();
    }

    /** Every delay asked of the delayer or the scheduler so far, in order. */
    public synchronized List<Duration> delays() {
        return List.copyOf(delays);
    }

    /** Tasks scheduled and not run yet. */
    public synchronized int pending() {
        return tasks.size();
    }

    /** Runs what is due now (tasks with no delay), and what they schedule with no delay. */
    public void runDue() {
        advance(Duration.ZERO);
    }

    /** Moves time forward by {@code duration}, running each task when time reaches it. */
    public void advance(Duration duration) {
        long target;
        synchronized (this) {
            target = now + duration.toNanos();
        }
        while (true) {
            Task next;
            synchronized (this) {
                next = tasks.peek();
                if (next == null || next.due > target) {
                    now = target;
                    return;
                }
                tasks.poll();
                now = Math.max(now, next.due);
            }
            next.run();
        }
    }

    private synchronized Task schedule(Runnable runnable, long nanos) {
        delays.add(Duration.ofNanos(nanos));
        Task task = new Task(runnable, now + Math.max(0, nanos), sequence++);
        tasks.add(task);
        return task;
    }

    private final class Task extends FutureTask<Object> implements ScheduledFuture<Object> {

        final long due;
        final long order;

        Task(Runnable runnable, long due, long order) {
            super(runnable, null);
            this.due = due;
            this.order = order;
        }

        @Override
        public long getDelay(TimeUnit unit) {
            return unit.convert(due - getAsLong(), TimeUnit.NANOSECONDS);
        }

        @Override
        public int compareTo(Delayed other) {
            Task that = (Task) other;
            int byDue = Long.compare(due, that.due);
            return byDue != 0 ? byDue : Long.compare(order, that.order);
        }

        @Override
        public boolean cancel(boolean mayInterruptIfRunning) {
            synchronized (VirtualTime.this) {
                tasks.remove(this);
            }
            return super.cancel(mayInterruptIfRunning);
        }
    }

    private final class VirtualClock extends Clock {

        private final ZoneId zone;

        VirtualClock(ZoneId zone) {
            this.zone = zone;
        }

        @Override
        public ZoneId getZone() {
            return zone;
        }

        @Override
        public Clock withZone(ZoneId zone) {
            return new VirtualClock(zone);
        }

        @Override
        public Instant instant() {
            return EPOCH.plusNanos(getAsLong() - 1_000_000_000L);
        }
    }

    /** Only one-shot delays (what the code under test uses); periodic scheduling is refused. */
    private final class VirtualScheduler extends AbstractExecutorService implements ScheduledExecutorService {

        private volatile boolean shutdown;

        @Override
        public ScheduledFuture<?> schedule(Runnable command, long delay, TimeUnit unit) {
            return VirtualTime.this.schedule(command, unit.toNanos(delay));
        }

        @Override
        public <V> ScheduledFuture<V> schedule(Callable<V> callable, long delay, TimeUnit unit) {
            throw new UnsupportedOperationException("not used by the code under test");
        }

        @Override
        public ScheduledFuture<?> scheduleAtFixedRate(Runnable command, long initialDelay, long period, TimeUnit unit) {
            throw new UnsupportedOperationException("not used by the code under test");
        }

        @Override
        public ScheduledFuture<?> scheduleWithFixedDelay(Runnable command, long initialDelay, long delay,
                                                         TimeUnit unit) {
            throw new UnsupportedOperationException("not used by the code under test");
        }

        @Override
        public void execute(Runnable command) {
            VirtualTime.this.schedule(command, 0);
        }

        @Override
        public void shutdown() {
            shutdown = true;
        }

        @Override
        public List<Runnable> shutdownNow() {
            shutdown = true;
            return List.of();
        }

        @Override
        public boolean isShutdown() {
            return shutdown;
        }

        @Override
        public boolean isTerminated() {
            return shutdown;
        }

        @Override
        public boolean awaitTermination(long timeout, TimeUnit unit) {
            return shutdown;
        }
    }
}
