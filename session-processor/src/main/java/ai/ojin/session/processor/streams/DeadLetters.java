package ai.ojin.session.processor.streams;

import ai.ojin.session.support.kafka.DeadLetterTopics;
import java.util.HashMap;
import java.util.Map;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.springframework.beans.factory.DisposableBean;
import org.springframework.kafka.core.DefaultKafkaProducerFactory;
import org.springframework.kafka.core.KafkaTemplate;
import org.springframework.kafka.listener.DeadLetterPublishingRecoverer;

/**
 * Records of {@code session-commands} or {@code agents} that cannot be deserialized go, as they
 * were, to {@code <topic>.session-processor.dlt} (the recoverer logs them) and processing goes on. Owns its producer
 * and closes it with the context.
 */
public class DeadLetters implements DisposableBean {

    private final DefaultKafkaProducerFactory<byte[], byte[]> producers;
    private final DeadLetterPublishingRecoverer recoverer;

    public DeadLetters(String bootstrapServers, Map<String, Object> producerProperties, DeadLetterTopics topics) {
        Map<String, Object> config = new HashMap<>(producerProperties);
        config.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        config.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class);
        config.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class);
        config.remove(ProducerConfig.TRANSACTIONAL_ID_CONFIG);
        producers = new DefaultKafkaProducerFactory<>(config);
        recoverer = topics.recoverer(new KafkaTemplate<>(producers));
    }

    public DeadLetterPublishingRecoverer recoverer() {
        return recoverer;
    }

    @Override
    public void destroy() {
        producers.destroy();
    }
}
