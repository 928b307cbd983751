package ai.ojin.session.history.ingest;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Whether folding advances: the listener reports every batch it folded and every failure. Facts
 * wait (the sink has lag) from the first failure until the next success; once that lasts
 * {@code stallAfter}, the sink is {@link #stalled()}.
 */
public class IngestProgress {

    private final Clock clock;
    private final Duration stallAfter;
    private final AtomicReference<Instant> failingSince = new AtomicReference<>();
    private volatile Instant lastAdvance;
    private volatile String lastError;

    public IngestProgress(Clock clock, Duration stallAfter) {
        this.clock = clock;
        this.stallAfter = stallAfter;
    }

    void advanced() {
        lastAdvance = clock.instant();
        failingSince.set(null);
        lastError = null;
    }

    void failed(Throwable error) {
        failingSince.compareAndSet(null, clock.instant());
        lastError = error.getClass().getSimpleName();
    }

    /** Since when facts wait without being folded, or null when the last attempt succeeded. */
    public Instant failingSince() {
        return failingSince.get();
    }

    public Instant lastAdvance() {
        return lastAdvance;
    }

    public String lastError() {
        return lastError;
    }

    public boolean stalled() {
        Instant since = failingSince.get();
        return since != null && !clock.instant().isBefore(since.plus(stallAfter));
    }
}
