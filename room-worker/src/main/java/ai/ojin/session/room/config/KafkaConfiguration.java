package ai.ojin.session.room.config;

import ai.ojin.session.support.config.InstanceProperties;
import ai.ojin.session.support.kafka.DeadLetterTopics;
import ai.ojin.session.support.kafka.KafkaTemplates;
import ai.ojin.session.events.command.SessionCommand;
import ai.ojin.session.events.fact.SessionEvent;
import ai.ojin.session.events.reply.SessionReply;
import ai.ojin.session.events.room.RoomAssignment;
import ai.ojin.session.room.assignment.RoomAssignments;
import ai.ojin.session.events.topic.SessionTopics;
import ai.ojin.session.room.reconcile.PartitionOwnership;
import ai.ojin.session.room.jobs.JobConsumer;
import ai.ojin.session.room.session.SessionJobs;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.observation.ObservationRegistry;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.CooperativeStickyAssignor;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.springframework.boot.kafka.autoconfigure.KafkaProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.kafka.core.DefaultKafkaConsumerFactory;
import org.springframework.kafka.core.MicrometerConsumerListener;
import org.springframework.kafka.core.KafkaTemplate;
import org.springframework.kafka.listener.DeadLetterPublishingRecoverer;
import org.springframework.kafka.support.serializer.ErrorHandlingDeserializer;

/**
 * Kafka wiring: topics (declared so a fresh broker works), the producers for replies, commands and
 * dead letters (each with the serde of its {@link SessionTopics} topic), and the job consumer
 * reading {@code session-events}, whose unreadable records go to the dead-letter topic
 * {@code <session-events>.room-worker.dlt}. Every client's metrics are bound to Micrometer
 * ({@code kafka.consumer.*}, {@code kafka.producer.*}); the templates are observed (a producer span
 * per write, its {@code traceparent} in the record's headers).
 */
@Configuration(proxyBeanMethods = false)
public class KafkaConfiguration {

    /** Facts this worker cannot run go to {@code session-events.room-worker.dlt}. */
    private static final DeadLetterTopics DEAD_LETTERS = new DeadLetterTopics("room-worker", topics -> List.of(topics.events().name()), 0);

    @Bean
    DeadLetterTopics deadLetterTopics() {
        return DEAD_LETTERS;
    }

    /** The dead-letter topic of this worker's listener. */
    public static String deadLetterTopic(SessionTopics topics) {
        return DEAD_LETTERS.of(topics.events().name());
    }

    @Bean
    KafkaTemplate<String, SessionReply> replyTemplate(KafkaProperties kafka, SessionTopics topics,
                                                      ObjectProvider<MeterRegistry> meters) {
        return KafkaTemplates.forTopic(producerProperties(kafka, "replies"), topics.replies(), meters.getIfAvailable());
    }

    @Bean
    KafkaTemplate<String, SessionCommand> commandTemplate(KafkaProperties kafka, SessionTopics topics,
                                                          ObjectProvider<MeterRegistry> meters) {
        return KafkaTemplates.forTopic(producerProperties(kafka, "commands"), topics.commands(), meters.getIfAvailable());
    }

    @Bean
    KafkaTemplate<String, Object> deadLetterTemplate(KafkaProperties kafka, SessionTopics topics,
                                                     ObjectProvider<MeterRegistry> meters) {
        return KafkaTemplates.forDeadLetters(producerProperties(kafka, "dlt"), topics, meters.getIfAvailable());
    }

    @Bean
    DeadLetterPublishingRecoverer sessionEventsDeadLetters(KafkaTemplate<String, Object> deadLetterTemplate,
                                                           DeadLetterTopics deadLetterTopics) {
        return deadLetterTopics.recoverer(deadLetterTemplate);
    }

    /**
     * The session <-> room map on the compacted {@code room-assignments} topic: written with
     * acks=all, read whole by every worker.
     */
    @Bean
    RoomAssignments roomAssignments(KafkaProperties kafka, SessionTopics topics) {
        Map<String, Object> consumerProps = new HashMap<>(kafka.buildConsumerProperties());
        consumerProps.remove(ConsumerConfig.GROUP_ID_CONFIG);
        consumerProps.remove(ConsumerConfig.GROUP_INSTANCE_ID_CONFIG);
        consumerProps.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        consumerProps.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        // A set-up waits until this view has caught up (RoomAssignments#caughtUp). A fetch the broker
        // holds open (fetch.max.wait.ms, 500 by default) delays that catch-up by up to its wait:
        // measured 460 ms p50 per barrier with the default, so fetch every 10 ms at most.
        consumerProps.put(ConsumerConfig.FETCH_MAX_WAIT_MS_CONFIG, 10);
        consumerProps.put(ConsumerConfig.CLIENT_ID_CONFIG, "room-worker-assignments-" + System.identityHashCode(consumerProps));
        var valueSerde = topics.roomAssignments().valueSerde();
        KafkaProducer<String, RoomAssignment> producer = new KafkaProducer<>(producerProperties(kafka, "assignments"),
                new StringSerializer(), valueSerde.serializer());
        return new RoomAssignments(topics.roomAssignments().name(),
                () -> new KafkaConsumer<>(consumerProps, new StringDeserializer(), valueSerde.deserializer()), producer);
    }

    /**
     * Reads {@code session-events} and runs every fact as a job of its own ({@link JobConsumer}).
     * Facts are written in the processor's transactions: read committed, never build a room for an
     * aborted one. Cooperative rebalancing moves only the partitions that change owner; static
     * membership ({@code session.instance.id}) gives a restarted instance its partitions back at once.
     */
    @Bean
    JobConsumer<SessionEvent> sessionEventsConsumer(KafkaProperties kafka, SessionTopics topics, RoomProperties room,
                                                    SessionJobs jobs, PartitionOwnership ownership,
                                                    InstanceProperties instance,
                                                    ObjectProvider<MeterRegistry> meters,
                                                    ObjectProvider<ObservationRegistry> observations) {
        Map<String, Object> props = new HashMap<>(kafka.buildConsumerProperties());
        props.put(ConsumerConfig.GROUP_ID_CONFIG, room.consumerGroup());
        props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        props.putIfAbsent(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        props.put(ConsumerConfig.PARTITION_ASSIGNMENT_STRATEGY_CONFIG, CooperativeStickyAssignor.class.getName());
        props.putIfAbsent(ConsumerConfig.GROUP_INSTANCE_ID_CONFIG, instance.member("room-worker"));
        props.putIfAbsent(ConsumerConfig.CLIENT_ID_CONFIG, "room-worker-facts-" + System.identityHashCode(props));
        var deserializer = topics.events().valueSerde().deserializer();
        // Spring's factory only to bind the plain consumer's metrics (and unbind them when it closes).
        var factory = new DefaultKafkaConsumerFactory<>(props, new StringDeserializer(),
                new ErrorHandlingDeserializer<>(deserializer));
        meters.ifAvailable(registry -> factory.addListener(new MicrometerConsumerListener<>(registry)));
        return new JobConsumer<>("session-events-" + room.consumerGroup(), topics.events().name(),
                factory::createConsumer, jobs, new JobConsumer.Settings(room.pollTimeout(), room.revokeWait(), room.commitInterval()),
                ownership, observations.getIfAvailable(() -> ObservationRegistry.NOOP));
    }

    private static Map<String, Object> producerProperties(KafkaProperties kafka, String purpose) {
        Map<String, Object> props = new HashMap<>(kafka.buildProducerProperties());
        props.putIfAbsent(ProducerConfig.LINGER_MS_CONFIG, 0);
        props.putIfAbsent(ProducerConfig.ACKS_CONFIG, "all");
        // A write that cannot be made soon fails, so that the job retries it (and says so in the log)
        // instead of a sender blocking for a minute.
        props.putIfAbsent(ProducerConfig.MAX_BLOCK_MS_CONFIG, 5000);
        props.putIfAbsent(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, 5000);
        props.putIfAbsent(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, 10000);
        props.put(ProducerConfig.CLIENT_ID_CONFIG, "room-worker-" + purpose + "-" + System.identityHashCode(props));
        return props;
    }
}
