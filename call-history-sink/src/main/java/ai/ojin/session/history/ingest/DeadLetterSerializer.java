package ai.ojin.session.history.ingest;

import ai.ojin.session.events.fact.SessionEvent;
import ai.ojin.session.events.topic.SessionTopics;
import org.apache.kafka.common.serialization.Serializer;

/**
 * Values for the dead-letter topic: the original bytes of an unreadable record, or a readable fact
 * the store refused, written with the {@code session-events} serde.
 */
final class DeadLetterSerializer implements Serializer<Object> {

    private final Serializer<SessionEvent> events;

    DeadLetterSerializer(SessionTopics topics) {
        this.events = topics.events().valueSerde().serializer();
    }

    @Override
    public byte[] serialize(String topic, Object data) {
        if (data == null || data instanceof byte[]) {
            return (byte[]) data;
        }
        if (data instanceof SessionEvent event) {
            return events.serialize(topic, event);
        }
        throw new IllegalArgumentException("unexpected dead letter " + data.getClass().getName());
    }
}
