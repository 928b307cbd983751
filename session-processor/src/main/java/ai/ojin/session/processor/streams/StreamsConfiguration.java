package ai.ojin.session.processor.streams;

import ai.ojin.session.support.schedule.Phases;
import ai.ojin.session.support.config.InstanceProperties;
import ai.ojin.session.events.topic.SessionTopics;
import ai.ojin.session.support.config.TopicsProperties;
import ai.ojin.session.processor.topology.SessionTopology;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.micrometer.tracing.Tracer;
import io.micrometer.tracing.propagation.Propagator;
import ai.ojin.session.support.kafka.DeadLetterTopics;
import ai.ojin.session.support.schedule.PeriodicWork;
import java.time.Clock;
import java.time.Duration;
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
import org.springframework.scheduling.TaskScheduler;

/** Wires the topology into a managed {@link SessionStreams} with health and metrics. */
@Configuration(proxyBeanMethods = false)
public class StreamsConfiguration {

    @Bean
    SessionStreams sessionStreams(ProcessorProperties processor, TopicsProperties topicsProperties, SessionTopics topics,
            KafkaProperties kafka, DeadLetters deadLetters, InstanceProperties instance,
            ObjectProvider<MeterRegistry> meterRegistry, ObjectProvider<Tracer> tracer,
            ObjectProvider<Propagator> propagator) {
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
        MeterRegistry registry = meterRegistry.getIfAvailable();
        SessionTopology.build(builder, topics, processor.lease().settings(), new TracedCommands(
                tracer.getIfAvailable(() -> Tracer.NOOP), propagator.getIfAvailable(() -> Propagator.NOOP),
                registry == null ? new SimpleMeterRegistry() : registry));
        return new SessionStreams(builder.build(props), props,
                registry == null ? null : new KafkaStreamsMicrometerListener(registry));
    }

    /** {@code session.active{agent}}, read from the state every {@code processor.metrics.refresh}. */
    @Bean
    PeriodicWork activeSessionsRefresh(SessionStreams streams, MetricsProperties metrics, ObjectProvider<MeterRegistry> meterRegistry,
            TaskScheduler taskScheduler, Clock clock) {
        MeterRegistry registry = meterRegistry.getIfAvailable();
        Runnable refresh = registry == null ? () -> { }
                : new ActiveSessionsGauge(streams::activeCounts, metrics, registry)::refresh;
        return new PeriodicWork("session.active refresh", taskScheduler, clock, Duration.ZERO,
                registry == null ? Duration.ZERO : metrics.refresh(), Phases.PERIODIC, refresh);
    }

    @Bean
    KafkaStreamsHealthIndicator kafkaStreamsHealthIndicator(SessionStreams streams) {
        return new KafkaStreamsHealthIndicator(streams);
    }

    @Bean
    DeadLetters deadLetters(KafkaProperties kafka, DeadLetterTopics deadLetterTopics) {
        return new DeadLetters(String.join(",", kafka.getBootstrapServers()), kafka.buildProducerProperties(), deadLetterTopics);
    }
}
