package ai.ojin.session.processor.streams;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.Deque;
import org.apache.kafka.streams.errors.StreamsUncaughtExceptionHandler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What happens when a stream thread dies. A recoverable error (any {@link Exception}: a broker
 * hiccup, a bug hit by one record) replaces the thread, whose tasks then resume from the last
 * committed offsets (exactly-once: nothing half-done is kept). A JVM {@link Error}, or more than
 * {@code maxReplacements} failures within {@code window} (the same failure coming back), shuts
 * the client down: the processor's health turns DOWN and connect-api's readiness follows, rather
 * than spinning on a record it cannot process.
 */
public final class StreamThreadFailures implements StreamsUncaughtExceptionHandler {

    private static final Logger log = LoggerFactory.getLogger(StreamThreadFailures.class);

    private final int maxReplacements;
    private final Duration window;
    private final Clock clock;
    private final Deque<Instant> recent = new ArrayDeque<>();

    public StreamThreadFailures(int maxReplacements, Duration window, Clock clock) {
        this.maxReplacements = maxReplacements;
        this.window = window;
        this.clock = clock;
    }

    @Override
    public synchronized StreamThreadExceptionResponse handle(Throwable exception) {
        if (rootIsError(exception)) {
            log.error("Stream thread failed with a JVM error; shutting the processor's Streams client down", exception);
            return StreamThreadExceptionResponse.SHUTDOWN_CLIENT;
        }
        Instant now = clock.instant();
        while (!recent.isEmpty() && recent.peekFirst().isBefore(now.minus(window))) {
            recent.removeFirst();
        }
        if (recent.size() >= maxReplacements) {
            log.error("Stream thread failed {} times within {}; shutting the processor's Streams client down",
                    recent.size() + 1, window, exception);
            return StreamThreadExceptionResponse.SHUTDOWN_CLIENT;
        }
        recent.addLast(now);
        log.error("Stream thread failed; replacing it (its tasks resume from the last commit)", exception);
        return StreamThreadExceptionResponse.REPLACE_THREAD;
    }

    private static boolean rootIsError(Throwable exception) {
        for (Throwable t = exception; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof Error) {
                return true;
            }
        }
        return false;
    }
}
