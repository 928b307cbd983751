package ai.ojin.session.events.topic;

import ai.ojin.session.events.fact.SessionEvent;
import org.apache.kafka.common.serialization.Serializer;

/**
 * Values for the dead-letter topic: the original bytes of an unreadable record, or a readable fact
 * (for example one a store refused) written with the {@code session-events} serde. One for every
 * service's dead-letter topic of {@code session-events} ({@link SessionTopics#deadLetterTopic}).
 */
public final class DeadLetterSerializer implements Serializer<Object> {

    private final Serializer<SessionEvent> events;

    public DeadLetterSerializer(SessionTopics topics) {
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
