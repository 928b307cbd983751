package ai.ojin.session.room.pool;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;

/**
 * How many pool creations should be in flight to keep up with demand (Little's law): rooms taken
 * per second over the last {@code window} times the time Daily takes to create one (an average of
 * the recent creations), doubled for the bursts of an open-loop arrival, never below the configured
 * floor nor above the pool's size. Thread-safe; time comes from the caller.
 */
final class RefillDemand {

    /** Weight of the newest creation in the average creation time. */
    private static final double ALPHA = 0.2;

    private final Duration window;
    private final ArrayDeque<Instant> takes = new ArrayDeque<>();
    private double createSeconds = -1;

    RefillDemand(Duration window) {
        this.window = window;
    }

    /** A room was asked of the pool (a hit or a miss: both are demand). */
    synchronized void taken(Instant at) {
        takes.addLast(at);
        purge(at);
    }

    /** A creation for the pool took {@code took}. */
    synchronized void created(Duration took) {
        double seconds = took.toNanos() / 1e9;
        createSeconds = createSeconds < 0 ? seconds : ALPHA * seconds + (1 - ALPHA) * createSeconds;
    }

    /** The average creation time, or -1 before the first creation. */
    synchronized long createMillis() {
        return createSeconds < 0 ? -1 : Math.round(createSeconds * 1000);
    }

    synchronized double takesPerSecond(Instant now) {
        purge(now);
        return takes.size() / (window.toNanos() / 1e9);
    }

    /** Creations to keep in flight: {@code floor} up to {@code size}, more while demand needs them. */
    synchronized int concurrency(Instant now, int floor, int size) {
        double perSecond = takesPerSecond(now);
        int needed = createSeconds < 0 ? 0 : (int) Math.ceil(2 * perSecond * createSeconds);
        return Math.max(1, Math.min(size, Math.max(floor, needed)));
    }

    private void purge(Instant now) {
        Instant from = now.minus(window);
        while (!takes.isEmpty() && takes.peekFirst().isBefore(from)) {
            takes.removeFirst();
        }
    }
}
