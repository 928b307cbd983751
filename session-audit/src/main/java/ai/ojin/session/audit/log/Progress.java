package ai.ojin.session.audit.log;

import java.io.PrintWriter;
import java.time.Clock;
import java.time.Duration;

/** Progress of a long read on stderr, at most once a second: records read, total, rate. */
final class Progress {

    private static final Duration EVERY = Duration.ofSeconds(1);

    private final PrintWriter err;
    private final String what;
    private final long total;
    private final Clock clock;
    private final long startMs;
    private long lastMs;
    private long read;

    Progress(PrintWriter err, String what, long total, Clock clock) {
        this.err = err;
        this.what = what;
        this.total = total;
        this.clock = clock;
        this.startMs = clock.millis();
        this.lastMs = startMs;
    }

    void add(long records) {
        read += records;
        long now = clock.millis();
        if (now - lastMs >= EVERY.toMillis()) {
            lastMs = now;
            err.printf("reading %s: %d/%d records (%d/s)%n", what, read, total, rate(now));
            err.flush();
        }
    }

    void done() {
        long now = clock.millis();
        err.printf("read %s: %d records in %.1f s (%d/s)%n", what, read, (now - startMs) / 1000.0, rate(now));
        err.flush();
    }

    private long rate(long now) {
        long ms = Math.max(1, now - startMs);
        return read * 1000 / ms;
    }
}
