package ai.ojin.session.history.ingest;

import ai.ojin.session.events.fact.SessionEvent;
import ai.ojin.session.events.history.CallRecord;
import ai.ojin.session.history.config.HistoryProperties;
import ai.ojin.session.history.store.CallStore;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
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
 * Receives polled batches of {@code session-events}: folds them into the store, then publishes the
 * calls that finished (and any left pending by an earlier crash), then clears their outbox flag.
 * Offsets are committed after this returns, so a crash anywhere replays the batch: folding is
 * idempotent, and a call whose flag was not yet cleared is published again (a rare duplicate that
 * consumers drop by session_id). A fact that cannot be read stops the batch at its index; the
 * error handler commits what came before and sends it to the dead-letter topic.
 */
@Component
public class FactBatchListener implements BatchMessageListener<String, SessionEvent> {

    private static final Logger log = LoggerFactory.getLogger(FactBatchListener.class);
    private static final LogAccessor LOG_ACCESSOR = new LogAccessor(FactBatchListener.class);

    private final CallFolder folder;
    private final CallPublisher publisher;
    private final CallStore store;
    private final boolean publishing;

    public FactBatchListener(CallFolder folder, CallPublisher publisher, CallStore store,
            HistoryProperties properties) {
        this.folder = folder;
        this.publisher = publisher;
        this.store = store;
        this.publishing = properties.publishing();
    }

    @Override
    public void onMessage(List<ConsumerRecord<String, SessionEvent>> records) {
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
        Map<String, CallRecord> finished = folder.fold(facts);
        if (publishing && !finished.isEmpty()) {
            publisher.publish(finished.values());
            store.markPublished(finished.keySet());
        }
        if (poison >= 0) {
            ConsumerRecord<String, SessionEvent> bad = records.get(poison);
            DeserializationException cause = SerializationUtils.getExceptionFromHeader(bad,
                    SerializationUtils.VALUE_DESERIALIZER_EXCEPTION_HEADER, LOG_ACCESSOR);
            String where = bad.topic() + "-" + bad.partition() + "@" + bad.offset();
            log.warn("Unreadable fact at {}: {}", where, cause == null ? "no value"
                    : NestedExceptionUtils.getMostSpecificCause(cause).getMessage());
            throw new BatchListenerFailedException("unreadable fact at " + where,
                    cause != null ? cause : new InvalidFactException("fact without a value at " + where), poison);
        }
    }

    /** A record on {@code session-events} that is not a fact this service can fold. */
    public static class InvalidFactException extends RuntimeException {
        public InvalidFactException(String message) {
            super(message);
        }
    }
}
