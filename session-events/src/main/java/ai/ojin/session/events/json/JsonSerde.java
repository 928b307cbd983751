package ai.ojin.session.events.json;

import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serializer;
import tools.jackson.core.JacksonException;

/**
 * A Kafka serde bound to one record type: no type headers and no package allow-lists, because the
 * topic descriptor already names the type. A {@code null} value is a tombstone both ways.
 */
public final class JsonSerde<T> implements Serde<T> {

    private final Class<T> type;

    public JsonSerde(Class<T> type) {
        this.type = type;
    }

    public Class<T> type() {
        return type;
    }

    public byte[] toBytes(T value) {
        if (value == null) {
            return null;
        }
        try {
            return Json.MAPPER.writeValueAsBytes(value);
        } catch (JacksonException e) {
            throw new SerializationException("cannot write " + type.getSimpleName(), e);
        }
    }

    public T fromBytes(byte[] bytes) {
        if (bytes == null) {
            return null;
        }
        try {
            return Json.MAPPER.readValue(bytes, type);
        } catch (JacksonException e) {
            throw new SerializationException("cannot read " + type.getSimpleName() + ": " + e.getOriginalMessage(), e);
        }
    }

    @Override
    public Serializer<T> serializer() {
        return (topic, value) -> toBytes(value);
    }

    @Override
    public Deserializer<T> deserializer() {
        return (topic, bytes) -> fromBytes(bytes);
    }
}
