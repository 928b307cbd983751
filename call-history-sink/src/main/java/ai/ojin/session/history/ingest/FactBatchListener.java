package ai.ojin.session.history.ingest;

import ai.ojin.session.events.fact.SessionEvent;
import ai.ojin.session.events.history.CallRecord;
import ai.ojin.session.history.config.HistoryProperties;
import ai.ojin.session.history.store.CallFolder;
import ai.ojin.session.history.store.CallStore;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.core.NestedExceptionUtils;
import org.springframework.core.log.LogAccessor;
import org.springframework.kafka.listener.BatchListenerFailedException;
import org.springframework.kafka.listener.BatchMessageListener;
import org.springframework.kafka.support.serializer.DeserializationException;
import org.springframework.kafka.support.serializer.SerializationUtils;
import org.springframework.stereotype.Component;

/**
 * Receives polled batches of {@code session-events}: folds them into the store and, within the same
 * transaction, publishes the calls that finished (and any a rebuild left marked for publication)
 * before it commits. Offsets are committed after this returns, so a crash anywhere replays the
 * batch: folding is idempotent, and a call sent before a crash that lost its transaction is sent
 * again (a rare duplicate that consumers drop by session_id).
 *
 * <p>No single record stops the sink. A fact that cannot be read stops the batch at its index;
 * the error handler commits what came before and sends it to the dead-letter topic. When the
 * store refuses a batch but still answers (its data is at fault, e.g. PostgreSQL refusing NUL in
 * text), the facts are folded one by one to find the one it refuses: those before it are kept,
 * and that one is retried a bounded number of times, then dead-lettered with an ERROR log and a
 * counter. When the store does not answer, or the broker does not take the calls, the whole batch
 * is retried until it goes through, and {@link IngestProgress} tells health how long that lasts.
 */
@Component
public class FactBatchListener implements BatchMessageListener<String, SessionEvent> {

    private static final Logger log = LoggerFactory.getLogger(FactBatchListener.class);
    private static final LogAccessor LOG_ACCESSOR = new LogAccessor(FactBatchListener.class);

    private final CallFolder folder;
    private final CallPublisher publisher;
    private final CallStore store;
    private final IngestProgress progress;
    private final boolean publishing;
    private final DistributionSummary batchSizes;

    public FactBatchListener(CallFolder folder, CallPublisher publisher, CallStore store, IngestProgress progress,
            HistoryProperties properties, MeterRegistry meters) {
        this.folder = folder;
        this.publisher = publisher;
        this.store = store;
        this.progress = progress;
        this.publishing = properties.publishing();
        this.batchSizes = DistributionSummary.builder("call.history.batch.facts")
                .description("Facts per batch the listener folds (history.batch-wait lets them gather)").register(meters);
    }

    @Override
    public void onMessage(List<ConsumerRecord<String, SessionEvent>> records) {
        batchSizes.record(records.size());
        List<SessionEvent> facts = new ArrayList<>(records.size());
        int poison = -1;
        for (int i = 0; i < records.size(); i++) {
            SessionEvent fact = records.get(i).value();
            if (fact == null) {
                poison = i;
                break;
            }
            facts.add(fact);
        }
        try {
            foldAndPublish(facts);
        } catch (PublishFailedException e) {
            progress.failed(e);
            throw outage(e);
        } catch (RuntimeException e) {
            progress.failed(e);
            if (!store.answers()) {
                log.warn("The call-history store does not answer ({}); retrying the batch", e.toString());
                throw outage(new StoreUnavailableException(e));
            }
            findRefusedFact(records, facts, e);
        }
        progress.advanced(poison >= 0 ? records.subList(0, poison) : records);
        if (poison >= 0) {
            ConsumerRecord<String, SessionEvent> bad = records.get(poison);
            DeserializationException cause = SerializationUtils.getExceptionFromHeader(bad,
                    SerializationUtils.VALUE_DESERIALIZER_EXCEPTION_HEADER, LOG_ACCESSOR);
            String where = where(bad);
            log.warn("Unreadable fact at {}: {}", where, cause == null ? "no value"
                    : NestedExceptionUtils.getMostSpecificCause(cause).getMessage());
            throw new BatchListenerFailedException("unreadable fact at " + where,
                    cause != null ? cause : new InvalidFactException("fact without a value at " + where), poison);
        }
    }

    /**
     * Folds the facts one at a time; the first one the store refuses (while it answers) fails the
     * batch at its index. Returns normally when each went in alone (the batch failed for a
     * passing reason, such as two writers inserting the same new session).
     */
    private void findRefusedFact(List<ConsumerRecord<String, SessionEvent>> records, List<SessionEvent> facts,
            RuntimeException batchError) {
        for (int i = 0; i < facts.size(); i++) {
            try {
                foldAndPublish(List.of(facts.get(i)));
            } catch (PublishFailedException e) {
                throw outage(e);
            } catch (RuntimeException e) {
                if (!store.answers()) {
                    throw outage(new StoreUnavailableException(e));
                }
                ConsumerRecord<String, SessionEvent> refused = records.get(i);
                log.warn("The call-history store refuses the fact at {} (session {}): {}", where(refused),
                        facts.get(i).sessionId(), NestedExceptionUtils.getMostSpecificCause(e).getMessage());
                throw new BatchListenerFailedException("store refuses the fact at " + where(refused),
                        new FactRefusedException(e), i);
            }
        }
        log.info("A batch failed ({}) but each of its facts went in alone", batchError.toString());
    }

    private void foldAndPublish(List<SessionEvent> facts) {
        folder.fold(facts, publishing ? this::publish : null);
    }

    /** Inside the fold's transaction: a failed send rolls the fold back. */
    private void publish(Collection<CallRecord> finished) {
        try {
            publisher.publish(finished);
        } catch (RuntimeException e) {
            throw new PublishFailedException(e);
        }
    }

    /**
     * An outage fails the batch at its first record: the error handler seeks back and polls the
     * batch again after its back-off, for as long as the outage lasts. (Thrown as anything else, the
     * batch would be retried in place, and a retry that then met an unreadable record would hand the
     * whole batch, good facts included, to the dead-letter topic.)
     */
    private static BatchListenerFailedException outage(RuntimeException e) {
        return new BatchListenerFailedException(e.getMessage(), e, 0);
    }

    private static String where(ConsumerRecord<?, ?> record) {
        return record.topic() + "-" + record.partition() + "@" + record.offset();
    }

    /** A record on {@code session-events} that is not a fact this service can fold. */
    public static class InvalidFactException extends RuntimeException {
        public InvalidFactException(String message) {
            super(message);
        }
    }

    /** The store answers but refuses to keep this fact. */
    public static class FactRefusedException extends RuntimeException {
        public FactRefusedException(Throwable cause) {
            super("the call-history store refuses this fact: "
                    + NestedExceptionUtils.getMostSpecificCause(cause).getMessage(), cause);
        }
    }

    /** The store does not answer: retried until it does. */
    public static class StoreUnavailableException extends RuntimeException {
        public StoreUnavailableException(Throwable cause) {
            super("the call-history store does not answer", cause);
        }
    }

    /** Finished calls could not be published: retried until the broker takes them. */
    public static class PublishFailedException extends RuntimeException {
        public PublishFailedException(Throwable cause) {
            super("finished calls could not be published", cause);
        }
    }
}
