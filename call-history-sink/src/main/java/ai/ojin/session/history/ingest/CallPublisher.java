package ai.ojin.session.history.ingest;

import ai.ojin.session.events.history.CallRecord;
import ai.ojin.session.events.topic.SessionTopics;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.common.KafkaException;
import org.springframework.kafka.core.KafkaTemplate;
import org.springframework.stereotype.Component;

/**
 * Sends finished call records to {@code call-history}, keyed by client_user_ref (null when the
 * caller gave none), and waits until the broker has them all.
 */
@Component
public class CallPublisher {

    private static final Duration SEND_TIMEOUT = Duration.ofSeconds(30);

    private final KafkaTemplate<String, CallRecord> template;
    private final String topic;
    private final Counter published;

    public CallPublisher(KafkaTemplate<String, CallRecord> callHistoryTemplate, SessionTopics topics,
            MeterRegistry meters) {
        this.template = callHistoryTemplate;
        this.topic = topics.callHistory().name();
        this.published = meters.counter("call.history.records.published");
    }

    public void publish(Collection<CallRecord> records) {
        List<CompletableFuture<?>> sends = new ArrayList<>(records.size());
        for (CallRecord record : records) {
            sends.add(template.send(topic, record.clientUserRef(), record));
        }
        try {
            CompletableFuture.allOf(sends.toArray(CompletableFuture[]::new))
                    .get(SEND_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new KafkaException("interrupted while publishing call records", e);
        } catch (ExecutionException | TimeoutException e) {
            throw new KafkaException("cannot publish " + records.size() + " call records to " + topic, e);
        }
        published.increment(records.size());
    }
}
