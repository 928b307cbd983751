package ai.ojin.session.room.http;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.function.LongSupplier;

/**
 * A token bucket for outgoing calls ({@code permitsPerSecond}, one second of burst) with two
 * priorities: waiting {@link Priority#SETUP} calls always get the next permit before waiting
 * {@link Priority#BACKGROUND} ones. Callers get a future that completes when their permit is
 * granted, so no thread waits; a call that cannot get a permit within its wait fails with
 * {@link NoPermitException} and takes nothing. Time is read from a nanosecond ticker and waits run
 * on a {@link Delayer} ({@link System#nanoTime()} and the JDK's delay thread unless given).
 */
public final class RateLimiter {

    private final double permitsPerNano;
    private final double capacity;
    private final ArrayDeque<Waiter> setups = new ArrayDeque<>();
    private final ArrayDeque<Waiter> background = new ArrayDeque<>();
    private final LongSupplier ticker;
    private final Delayer delayer;
    private double tokens;
    private long refilledAt;
    private boolean drainScheduled;

    public RateLimiter(double permitsPerSecond) {
        this(permitsPerSecond, Deadline.SYSTEM_TICKER, Delayer.JDK);
    }

    /**
     * @param ticker monotonic nanoseconds (the token refill and the waits are measured with it)
     * @param delayer runs the next drain and the end of a wait
     */
    public RateLimiter(double permitsPerSecond, LongSupplier ticker, Delayer delayer) {
        if (permitsPerSecond <= 0) {
            throw new IllegalArgumentException("permitsPerSecond must be positive");
        }
        this.permitsPerNano = permitsPerSecond / 1e9;
        this.capacity = Math.max(1, permitsPerSecond);
        this.tokens = capacity;
        this.ticker = ticker;
        this.delayer = delayer;
        this.refilledAt = ticker.getAsLong();
    }

    /** The wait for a permit was longer than the caller could afford. */
    public static final class NoPermitException extends RuntimeException {
        NoPermitException() {
            super("no permit within the wait", null, false, false);
        }
    }

    /** Completes when a permit is granted; fails with {@link NoPermitException} after {@code maxWait}. */
    public CompletableFuture<Void> acquire(Priority priority, Duration maxWait) {
        Waiter waiter;
        synchronized (this) {
            refill();
            boolean ahead = priority == Priority.SETUP ? setups.isEmpty() : setups.isEmpty() && background.isEmpty();
            if (ahead && tokens >= 1) {
                tokens -= 1;
                return CompletableFuture.completedFuture(null);
            }
            if (maxWait.isNegative() || maxWait.isZero()) {
                return CompletableFuture.failedFuture(new NoPermitException());
            }
            waiter = new Waiter(new CompletableFuture<>());
            (priority == Priority.SETUP ? setups : background).add(waiter);
            scheduleDrain();
        }
        delayer.runAfter(maxWait.toNanos(), () -> {
            synchronized (this) {
                if (!setups.remove(waiter) && !background.remove(waiter)) {
                    return;
                }
            }
            waiter.granted.completeExceptionally(new NoPermitException());
        });
        return waiter.granted;
    }

    /** Waiting calls, for a gauge. */
    public synchronized int waiting() {
        return setups.size() + background.size();
    }

    private void drain() {
        List<Waiter> granted = new ArrayList<>();
        synchronized (this) {
            drainScheduled = false;
            refill();
            while (tokens >= 1) {
                Waiter next = setups.isEmpty() ? background.poll() : setups.poll();
                if (next == null) {
                    break;
                }
                tokens -= 1;
                granted.add(next);
            }
            if (!setups.isEmpty() || !background.isEmpty()) {
                scheduleDrain();
            }
        }
        granted.forEach(w -> w.granted.complete(null));
    }

    /** Called with the lock held: drains again when the next permit is due. */
    private void scheduleDrain() {
        if (drainScheduled) {
            return;
        }
        drainScheduled = true;
        long nanos = tokens >= 1 ? 0 : (long) Math.ceil((1 - tokens) / permitsPerNano);
        delayer.runAfter(nanos, this::drain);
    }

    private void refill() {
        long now = ticker.getAsLong();
        tokens = Math.min(capacity, tokens + (now - refilledAt) * permitsPerNano);
        refilledAt = now;
    }

    private record Waiter(CompletableFuture<Void> granted) {
    }
}
