package ai.ojin.session.processor.streams;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.streams.StreamsConfig;

/** The Kafka Streams configuration of the processor: exactly-once v2, tuned for latency. */
public final class StreamsProperties {

    private StreamsProperties() {
    }

    /**
     * @param base client settings to start from (security, {@code spring.kafka.properties.*})
     * @param replicationFactor of the internal changelog topics
     */
    public static Properties of(ProcessorProperties processor, String bootstrapServers, short replicationFactor,
            Map<String, ?> base) {
        ProcessorProperties.Streams tuning = processor.streams();
        Properties props = new Properties();
        props.putAll(base);
        props.put(StreamsConfig.APPLICATION_ID_CONFIG, processor.applicationId());
        props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        props.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.EXACTLY_ONCE_V2);
        props.put(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG, tuning.commitInterval().toMillis());
        props.put(StreamsConfig.POLL_MS_CONFIG, tuning.pollInterval().toMillis());
        props.put(StreamsConfig.NUM_STREAM_THREADS_CONFIG, tuning.threads());
        props.put(StreamsConfig.NUM_STANDBY_REPLICAS_CONFIG, tuning.standbyReplicas());
        props.put(StreamsConfig.REPLICATION_FACTOR_CONFIG, (int) replicationFactor);
        props.put(StreamsConfig.STATE_DIR_CONFIG, stateDir(processor.stateDir()));
        props.put(StreamsConfig.producerPrefix(ProducerConfig.LINGER_MS_CONFIG), (int) tuning.producerLinger().toMillis());
        props.put(StreamsConfig.producerPrefix(ProducerConfig.TRANSACTION_TIMEOUT_CONFIG),
                (int) tuning.transactionTimeout().toMillis());
        int sessionTimeout = (int) tuning.sessionTimeout().toMillis();
        props.put(StreamsConfig.consumerPrefix(ConsumerConfig.SESSION_TIMEOUT_MS_CONFIG), sessionTimeout);
        props.put(StreamsConfig.consumerPrefix(ConsumerConfig.HEARTBEAT_INTERVAL_MS_CONFIG), Math.max(100, sessionTimeout / 5));
        // Streams keeps its consumers in the group on close; an orderly stop should hand the tasks
        // over at once (see SessionStreams#stop).
        props.put(StreamsConfig.mainConsumerPrefix("internal.leave.group.on.close"), true);
        props.putAll(tuning.overrides());
        return props;
    }

    private static String stateDir(String configured) {
        if (configured != null && !configured.isBlank()) {
            return configured;
        }
        try {
            return Files.createTempDirectory("session-processor-").toString();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create a state directory", e);
        }
    }
}
