package ai.ojin.session.processor.streams;

import ai.ojin.session.events.instance.InstanceProperties;
import ai.ojin.session.events.topic.SessionTopics;
import ai.ojin.session.events.topic.TopicsProperties;
import ai.ojin.session.processor.topology.SessionTopology;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.HashMap;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.StreamsConfig;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.kafka.autoconfigure.KafkaProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.kafka.streams.KafkaStreamsMicrometerListener;
import org.springframework.kafka.streams.RecoveringDeserializationExceptionHandler;

/** Wires the topology into a managed {@link SessionStreams} with health and metrics. */
@Configuration(proxyBeanMethods = false)
public class StreamsConfiguration {

    @Bean
    SessionStreams sessionStreams(ProcessorProperties processor, TopicsProperties topicsProperties, SessionTopics topics,
            KafkaProperties kafka, DeadLetters deadLetters, InstanceProperties instance,
            ObjectProvider<MeterRegistry> meterRegistry) {
        String bootstrap = String.join(",", kafka.getBootstrapServers());
        Map<String, Object> base = new HashMap<>(kafka.buildStreamsProperties());
        base.put(StreamsConfig.DESERIALIZATION_EXCEPTION_HANDLER_CLASS_CONFIG, RecoveringDeserializationExceptionHandler.class);
        base.put(RecoveringDeserializationExceptionHandler.KSTREAM_DESERIALIZATION_RECOVERER,
                deadLetters.recoverer());
        // Static membership: a restarted instance gets its tasks back at once (each stream thread's
        // consumer gets this id plus its thread index).
        base.put(StreamsConfig.mainConsumerPrefix(ConsumerConfig.GROUP_INSTANCE_ID_CONFIG), instance.member("processor"));
        Properties props = StreamsProperties.of(processor, bootstrap, topicsProperties.replicationFactor(), base);

        StreamsBuilder builder = new StreamsBuilder();
        SessionTopology.build(builder, topics, processor.lease().settings());
        MeterRegistry registry = meterRegistry.getIfAvailable();
        return new SessionStreams(builder.build(props), props,
                registry == null ? null : new KafkaStreamsMicrometerListener(registry));
    }

    @Bean
    KafkaStreamsHealthIndicator kafkaStreamsHealthIndicator(SessionStreams streams) {
        return new KafkaStreamsHealthIndicator(streams);
    }

    @Bean
    DeadLetters deadLetters(KafkaProperties kafka) {
        return new DeadLetters(String.join(",", kafka.getBootstrapServers()), kafka.buildProducerProperties());
    }
}
