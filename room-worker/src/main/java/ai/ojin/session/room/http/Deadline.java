package ai.ojin.session.room.http;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Objects;
import java.util.function.LongSupplier;

/**
 * A point in (monotonic) time by which a piece of work must be done, read from {@code ticker}
 * ({@link System#nanoTime()} unless a test gives another).
 */
public record Deadline(long nanoTime, LongSupplier ticker) {

    /** The JVM's monotonic clock, the ticker of every deadline made without one. */
    public static final LongSupplier SYSTEM_TICKER = System::nanoTime;

    public Deadline {
        Objects.requireNonNull(ticker, "ticker");
    }

    public Deadline(long nanoTime) {
        this(nanoTime, SYSTEM_TICKER);
    }

    public static Deadline in(Duration duration) {
        return in(duration, SYSTEM_TICKER);
    }

    public static Deadline in(Duration duration, LongSupplier ticker) {
        return new Deadline(ticker.getAsLong() + duration.toNanos(), ticker);
    }

    /** The earlier of {@code budget} from now and the wall-clock instant {@code notAfter} (if any). */
    public static Deadline within(Duration budget, Instant notAfter) {
        return within(budget, notAfter, Clock.systemUTC(), SYSTEM_TICKER);
    }

    /** Like {@link #within(Duration, Instant)} with the wall clock and the ticker given. */
    public static Deadline within(Duration budget, Instant notAfter, Clock clock, LongSupplier ticker) {
        Duration byWallClock = notAfter == null ? budget : Duration.between(clock.instant(), notAfter);
        return in(byWallClock.compareTo(budget) < 0 ? byWallClock : budget, ticker);
    }

    public Duration remaining() {
        return Duration.ofNanos(nanoTime - ticker.getAsLong());
    }

    public boolean passed() {
        return nanoTime - ticker.getAsLong() <= 0;
    }
}
