package ai.ojin.session.history.ingest;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.clients.consumer.ConsumerRecord;

/**
 * Whether folding advances: the listener reports every batch it folded and every failure. Facts
 * wait (the sink has lag) from the first failure until the next success; once that lasts
 * {@code stallAfter}, the sink is {@link #stalled()}.
 *
 * <p>Metrics ({@link #bindTo}): {@code call.history.write.lag}, per fact the time from its write to
 * {@code session-events} (the record timestamp) until the batch holding it was folded, and
 * {@code call.history.last_write.age}, the seconds since the last folded batch (NaN before the first).
 */
public class IngestProgress {

    private final Clock clock;
    private final Duration stallAfter;
    private final AtomicReference<Instant> failingSince = new AtomicReference<>();
    private volatile Instant lastAdvance;
    private volatile String lastError;
    private volatile Timer writeLag;

    public IngestProgress(Clock clock, Duration stallAfter) {
        this.clock = clock;
        this.stallAfter = stallAfter;
    }

    /** Registers the sink's lag and age-of-last-write meters. */
    public IngestProgress bindTo(MeterRegistry meters) {
        Gauge.builder("call.history.last_write.age", this, IngestProgress::lastWriteAgeSeconds)
                .description("Seconds since the last batch of facts was folded into the store")
                .baseUnit("seconds").register(meters);
        writeLag = Timer.builder("call.history.write.lag")
                .description("From a fact's write to session-events to its fold into the call-history store")
                .register(meters);
        return this;
    }

    /** A batch of these records was folded. */
    void advanced(List<? extends ConsumerRecord<?, ?>> records) {
        advanced();
        Timer lag = writeLag;
        if (lag != null) {
            long now = clock.millis();
            for (ConsumerRecord<?, ?> record : records) {
                if (record.timestamp() > 0) {
                    lag.record(Math.max(0, now - record.timestamp()), TimeUnit.MILLISECONDS);
                }
            }
        }
    }

    double lastWriteAgeSeconds() {
        Instant last = lastAdvance;
        return last == null ? Double.NaN : Duration.between(last, clock.instant()).toMillis() / 1000.0;
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
