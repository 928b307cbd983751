package ai.ojin.session.room.http;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.function.LongSupplier;

/**
 * A token bucket for outgoing calls ({@code permitsPerSecond}, at most {@code burst} permits saved
 * up) with a queue per {@link Priority}: waiting calls of a higher priority always get the next
 * permit before waiting calls of a lower one, and within a priority calls are served in the order
 * they asked. A call takes a free permit at once only when no call of its own or a higher priority
 * waits. Callers get a future that completes when their permit is granted, so no thread waits; a
 * call that cannot get a permit within its wait fails with {@link NoPermitException} and takes
 * nothing. The rate can be changed at run time ({@link #setRate}). Time is read from a nanosecond
 * ticker and waits run on a {@link Delayer}.
 *
 * <p>A priority can be {@link #protect protected} from starving: while one of its calls has waited
 * longer than its limit, calls of higher priorities are refused at once (they take nothing), so
 * that the waiting calls get the next permits. Demand above the budget then fails fast at the top
 * instead of piling up at the bottom.
 */
public final class RateLimiter {

    private final double burst;
    private final List<ArrayDeque<Waiter>> queues = new ArrayList<>();
    private final LongSupplier ticker;
    private final Delayer delayer;
    private double permitsPerNano;
    private double tokens;
    private long refilledAt;
    private boolean drainScheduled;
    private long drainAt;
    private Priority protectedPriority;
    private long protectedMaxWaitNanos;

    /** On the JVM's monotonic clock and the JDK's delay thread. */
    public RateLimiter(double permitsPerSecond, double burst) {
        this(permitsPerSecond, burst, Deadline.SYSTEM_TICKER, Delayer.JDK);
    }

    /**
     * @param burst the permits saved up at most (at least 1); the limiter starts with them
     * @param ticker monotonic nanoseconds (the token refill and the waits are measured with it)
     * @param delayer runs the next drain and the end of a wait
     */
    public RateLimiter(double permitsPerSecond, double burst, LongSupplier ticker, Delayer delayer) {
        if (burst < 1) {
            throw new IllegalArgumentException("burst must be at least 1");
        }
        this.burst = burst;
        this.tokens = burst;
        this.ticker = ticker;
        this.delayer = delayer;
        this.refilledAt = ticker.getAsLong();
        for (int i = 0; i < Priority.values().length; i++) {
            queues.add(new ArrayDeque<>());
        }
        setRate(permitsPerSecond);
    }

    /** The wait for a permit was longer than the caller could afford. */
    public static final class NoPermitException extends RuntimeException {
        NoPermitException(String reason) {
            super(reason, null, false, false);
        }
    }

    /**
     * From now on, calls of a priority higher than {@code priority} are refused at once while a
     * call of {@code priority} has waited longer than {@code maxWait} (zero: no protection).
     */
    public synchronized void protect(Priority priority, Duration maxWait) {
        this.protectedPriority = maxWait.isZero() ? null : priority;
        this.protectedMaxWaitNanos = maxWait.toNanos();
    }

    /** True when a call of {@code priority} asked now would be refused at once ({@link #protect}). */
    public synchronized boolean refuses(Priority priority) {
        return starving(priority, ticker.getAsLong());
    }

    /** Called with the lock held: true when a protected call has waited too long for {@code priority} to go first. */
    private boolean starving(Priority priority, long now) {
        if (protectedPriority == null || priority.ordinal() >= protectedPriority.ordinal()) {
            return false;
        }
        Waiter oldest = queues.get(protectedPriority.ordinal()).peek();
        return oldest != null && now - oldest.askedAt() > protectedMaxWaitNanos;
    }

    /** Changes the rate from now on (the permits saved up so far stay); waiting calls follow the new rate. */
    public synchronized void setRate(double permitsPerSecond) {
        if (!(permitsPerSecond > 0)) {
            throw new IllegalArgumentException("permitsPerSecond must be positive");
        }
        if (permitsPerNano > 0) {
            refill();
        }
        permitsPerNano = permitsPerSecond / 1e9;
        if (waiting() > 0) {
            scheduleDrain();
        }
    }

    /** Permits per second. */
    public synchronized double rate() {
        return permitsPerNano * 1e9;
    }

    /** Completes when a permit is granted; fails with {@link NoPermitException} after {@code maxWait}. */
    public CompletableFuture<Void> acquire(Priority priority, Duration maxWait) {
        Waiter waiter;
        synchronized (this) {
            refill();
            long now = ticker.getAsLong();
            if (starving(priority, now)) {
                return CompletableFuture.failedFuture(new NoPermitException(
                        "refused: " + protectedPriority + " calls have waited longer than their limit"));
            }
            if (tokens >= 1 && waitingFrom(priority) == 0) {
                tokens -= 1;
                return CompletableFuture.completedFuture(null);
            }
            if (maxWait.isNegative() || maxWait.isZero()) {
                return CompletableFuture.failedFuture(new NoPermitException("no permit within the wait"));
            }
            waiter = new Waiter(priority, now, new CompletableFuture<>());
            queues.get(priority.ordinal()).add(waiter);
            scheduleDrain();
        }
        delayer.runAfter(maxWait.toNanos(), () -> {
            synchronized (this) {
                if (!queues.get(waiter.priority().ordinal()).remove(waiter)) {
                    return;
                }
            }
            waiter.granted().completeExceptionally(new NoPermitException("no permit within the wait"));
        });
        return waiter.granted();
    }

    /** Waiting calls, for a gauge. */
    public synchronized int waiting() {
        return queues.stream().mapToInt(ArrayDeque::size).sum();
    }

    /** Calls waiting with {@code priority} or a higher one. */
    private int waitingFrom(Priority priority) {
        int waiting = 0;
        for (int i = 0; i <= priority.ordinal(); i++) {
            waiting += queues.get(i).size();
        }
        return waiting;
    }

    private void drain(long due) {
        List<Waiter> granted = new ArrayList<>();
        synchronized (this) {
            if (!drainScheduled || drainAt != due) {
                return; // superseded by an earlier drain (the rate went up)
            }
            drainScheduled = false;
            refill();
            while (tokens >= 1) {
                Waiter next = queues.stream().filter(q -> !q.isEmpty()).findFirst().map(ArrayDeque::poll).orElse(null);
                if (next == null) {
                    break;
                }
                tokens -= 1;
                granted.add(next);
            }
            if (waiting() > 0) {
                scheduleDrain();
            }
        }
        granted.forEach(w -> w.granted().complete(null));
    }

    /** Called with the lock held: drains when the next permit is due, unless a drain comes by then anyway. */
    private void scheduleDrain() {
        long now = ticker.getAsLong();
        long due = now + (tokens >= 1 ? 0 : (long) Math.ceil((1 - tokens) / permitsPerNano));
        if (drainScheduled && drainAt - due <= 0) {
            return;
        }
        drainScheduled = true;
        drainAt = due;
        delayer.runAfter(due - now, () -> drain(due));
    }

    private void refill() {
        long now = ticker.getAsLong();
        tokens = Math.min(burst, tokens + (now - refilledAt) * permitsPerNano);
        refilledAt = now;
    }

    private record Waiter(Priority priority, long askedAt, CompletableFuture<Void> granted) {
    }
}
