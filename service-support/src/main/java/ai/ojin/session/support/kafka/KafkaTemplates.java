package ai.ojin.session.support.kafka;

import ai.ojin.session.events.topic.DeadLetterSerializer;
import ai.ojin.session.events.topic.SessionTopics;
import ai.ojin.session.events.topic.Topic;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.Map;
import org.apache.kafka.common.serialization.Serializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.springframework.kafka.core.DefaultKafkaProducerFactory;
import org.springframework.kafka.core.KafkaTemplate;
import org.springframework.kafka.core.MicrometerProducerListener;

/**
 * The services' producer templates, made one way: a producer factory of their own (not a bean,
 * closed with the template when the context closes it), the producer's metrics in Micrometer
 * ({@code kafka.producer.*}), every send observed (a producer span, its W3C {@code traceparent} in
 * the record's headers), the serializers of the topic descriptor (no type headers).
 */
public final class KafkaTemplates {

    private KafkaTemplates() {
    }

    /** A template for one topic descriptor's records. */
    public static <K, V> KafkaTemplate<K, V> forTopic(Map<String, Object> producerProperties, Topic<K, V> topic, MeterRegistry meters) {
        return of(producerProperties, topic.keySerde().serializer(), topic.valueSerde().serializer(), meters);
    }

    /** A template for dead letters: records of any session topic, written as they were read. */
    public static KafkaTemplate<String, Object> forDeadLetters(Map<String, Object> producerProperties, SessionTopics topics,
                                                               MeterRegistry meters) {
        return of(producerProperties, new StringSerializer(), new DeadLetterSerializer(topics), meters);
    }

    /** @param meters where the producer's metrics go (null: nowhere) */
    public static <K, V> KafkaTemplate<K, V> of(Map<String, Object> producerProperties, Serializer<K> keys, Serializer<V> values,
                                                MeterRegistry meters) {
        DefaultKafkaProducerFactory<K, V> factory = new DefaultKafkaProducerFactory<>(producerProperties, keys, values);
        if (meters != null) {
            factory.addListener(new MicrometerProducerListener<>(meters));
        }
        KafkaTemplate<K, V> template = new KafkaTemplate<>(factory) {
            @Override
            public void destroy() {
                super.destroy();
                factory.destroy();
            }
        };
        template.setObservationEnabled(true);
        return template;
    }
}
