package ai.ojin.session.room.http;

import java.time.Duration;
import java.time.Instant;

/** A point in (monotonic) time by which a piece of work must be done. */
public record Deadline(long nanoTime) {

    public static Deadline in(Duration duration) {
        return new Deadline(System.nanoTime() + duration.toNanos());
    }

    /** The earlier of {@code budget} from now and the wall-clock instant {@code notAfter} (if any). */
    public static Deadline within(Duration budget, Instant notAfter) {
        Duration byWallClock = notAfter == null ? budget : Duration.between(Instant.now(), notAfter);
        return in(byWallClock.compareTo(budget) < 0 ? byWallClock : budget);
    }

    public Duration remaining() {
        return Duration.ofNanos(nanoTime - System.nanoTime());
    }

    public boolean passed() {
        return nanoTime - System.nanoTime() <= 0;
    }
}
