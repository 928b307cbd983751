package ai.ojin.session.room.session;

import ai.ojin.session.room.jobs.Job;
import ai.ojin.session.room.jobs.Retry;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.kafka.listener.DeadLetterPublishingRecoverer;

/**
 * An unreadable fact goes to the dead-letter topic (its original bytes, with Spring's exception
 * headers), retried until the write succeeds; its offset is committed only then.
 */
public final class DeadLetters {

    private static final Logger log = LoggerFactory.getLogger(DeadLetters.class);
    private static final Retry.Backoff BACKOFF = new Retry.Backoff(Duration.ofSeconds(1), Duration.ofSeconds(30));

    private final DeadLetterPublishingRecoverer recoverer;
    private final Executor publisher;
    private final Retry retry;

    /** @param publisher runs the (blocking) publication, off the consumer thread */
    public DeadLetters(DeadLetterPublishingRecoverer recoverer, Executor publisher, Retry retry) {
        this.recoverer = recoverer;
        this.publisher = publisher;
        this.retry = retry;
    }

    /** Publishes {@code record}, which could not be read because of {@code cause}. */
    public Job publish(ConsumerRecord<?, ?> record, Exception cause) {
        log.error("Unreadable fact at {}-{}@{}; sending it to the dead-letter topic: {}", record.topic(),
                record.partition(), record.offset(), cause == null ? "no value" : cause.getMessage());
        CompletableFuture<Void> sent = retry.until(
                () -> CompletableFuture.runAsync(() -> recoverer.accept(record, cause), publisher),
                BACKOFF, () -> false,
                (attempt, error) -> log.warn("Dead-lettering {}-{}@{} failed (try {}): {}", record.topic(),
                        record.partition(), record.offset(), attempt, error.toString()));
        return Job.of(sent);
    }
}
