package ai.ojin.session.room.http;

/**
 * A token bucket (GCRA) for outgoing calls: {@code permitsPerSecond} with one second of burst.
 * Callers reserve a slot and wait the returned delay without holding a thread.
 */
public final class RateLimiter {

    private final long intervalNanos;
    private final long burstToleranceNanos;
    private long theoreticalArrival = System.nanoTime();

    public RateLimiter(double permitsPerSecond) {
        if (permitsPerSecond <= 0) {
            throw new IllegalArgumentException("permitsPerSecond must be positive");
        }
        this.intervalNanos = Math.max(1, (long) (1e9 / permitsPerSecond));
        long burst = Math.max(1, (long) permitsPerSecond);
        this.burstToleranceNanos = (burst - 1) * intervalNanos;
    }

    /**
     * Reserves a permit if one is available within {@code maxWaitNanos}.
     *
     * @return the nanoseconds to wait before using the permit, or -1 when none is available in time
     *     (nothing is reserved then)
     */
    public synchronized long reserve(long maxWaitNanos) {
        long now = System.nanoTime();
        long tat = Math.max(theoreticalArrival, now);
        long wait = Math.max(0, tat - burstToleranceNanos - now);
        if (wait > maxWaitNanos) {
            return -1;
        }
        theoreticalArrival = tat + intervalNanos;
        return wait;
    }
}
