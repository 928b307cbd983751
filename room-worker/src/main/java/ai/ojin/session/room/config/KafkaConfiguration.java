package ai.ojin.session.room.config;

import ai.ojin.session.events.topic.TopicsProperties;
import ai.ojin.session.events.command.SessionCommand;
import ai.ojin.session.events.fact.SessionEvent;
import ai.ojin.session.events.reply.SessionReply;
import ai.ojin.session.events.topic.SessionTopics;
import ai.ojin.session.room.reconcile.PartitionOwnership;
import ai.ojin.session.room.session.SessionEventsListener;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.springframework.boot.kafka.autoconfigure.KafkaProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.kafka.core.DefaultKafkaConsumerFactory;
import org.springframework.kafka.core.DefaultKafkaProducerFactory;
import org.springframework.kafka.core.KafkaAdmin;
import org.springframework.kafka.core.KafkaTemplate;
import org.springframework.kafka.listener.ContainerProperties;
import org.springframework.kafka.listener.DeadLetterPublishingRecoverer;
import org.springframework.kafka.listener.DefaultErrorHandler;
import org.springframework.kafka.listener.KafkaMessageListenerContainer;
import org.springframework.kafka.support.serializer.ErrorHandlingDeserializer;
import org.springframework.util.backoff.FixedBackOff;

/**
 * Kafka wiring: topics (declared so a fresh broker works), the producers for replies, commands and
 * dead letters (each with the serde of its {@link SessionTopics} topic), and the batch container
 * reading {@code session-events} with one {@link DefaultErrorHandler} and a dead-letter topic
 * {@code <session-events>.room-worker.dlt}.
 */
@Configuration(proxyBeanMethods = false)
public class KafkaConfiguration {

    @Bean
    SessionTopics sessionTopics(TopicsProperties topics) {
        return SessionTopics.withPrefix(topics.prefix());
    }

    /** The dead-letter topic of this worker's listener. */
    public static String deadLetterTopic(SessionTopics topics) {
        return topics.events().name() + ".room-worker.dlt";
    }

    @Bean
    KafkaAdmin.NewTopics roomWorkerTopics(SessionTopics topics, TopicsProperties properties) {
        List<NewTopic> declared = new ArrayList<>();
        var names = List.of(topics.events().name(), topics.commands().name(), topics.replies().name());
        topics.newTopics(properties.layout()).stream().filter(t -> names.contains(t.name())).forEach(declared::add);
        declared.add(new NewTopic(deadLetterTopic(topics), properties.partitions(), properties.replicationFactor()));
        return new KafkaAdmin.NewTopics(declared.toArray(NewTopic[]::new));
    }

    @Bean
    KafkaTemplate<String, SessionReply> replyTemplate(KafkaProperties kafka, SessionTopics topics) {
        return new KafkaTemplate<>(new DefaultKafkaProducerFactory<>(producerProperties(kafka, "replies"),
                new StringSerializer(), topics.replies().valueSerde().serializer()));
    }

    @Bean
    KafkaTemplate<String, SessionCommand> commandTemplate(KafkaProperties kafka, SessionTopics topics) {
        return new KafkaTemplate<>(new DefaultKafkaProducerFactory<>(producerProperties(kafka, "commands"),
                new StringSerializer(), topics.commands().valueSerde().serializer()));
    }

    @Bean
    KafkaTemplate<String, Object> deadLetterTemplate(KafkaProperties kafka, SessionTopics topics) {
        return new KafkaTemplate<>(new DefaultKafkaProducerFactory<>(producerProperties(kafka, "dlt"),
                new StringSerializer(), new DeadLetterSerializer(topics)));
    }

    @Bean
    DefaultErrorHandler sessionEventsErrorHandler(KafkaTemplate<String, Object> deadLetterTemplate, SessionTopics topics) {
        String dlt = deadLetterTopic(topics);
        var recoverer = new DeadLetterPublishingRecoverer(deadLetterTemplate, (record, error) -> new TopicPartition(dlt, -1));
        return new DefaultErrorHandler(recoverer, new FixedBackOff(1000L, 2));
    }

    @Bean
    KafkaMessageListenerContainer<String, SessionEvent> sessionEventsContainer(
            KafkaProperties kafka, SessionTopics topics, RoomProperties room, SessionEventsListener listener,
            PartitionOwnership ownership, DefaultErrorHandler sessionEventsErrorHandler) {
        Map<String, Object> props = new HashMap<>(kafka.buildConsumerProperties());
        props.put(ConsumerConfig.GROUP_ID_CONFIG, room.consumerGroup());
        props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        props.putIfAbsent(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        // Facts are written in the processor's transactions: never build a room for an aborted one.
        props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        var consumerFactory = new DefaultKafkaConsumerFactory<>(props, new StringDeserializer(),
                new ErrorHandlingDeserializer<>(topics.events().valueSerde().deserializer()));
        ContainerProperties container = new ContainerProperties(topics.events().name());
        container.setGroupId(room.consumerGroup());
        container.setAckMode(ContainerProperties.AckMode.BATCH);
        container.setMessageListener(listener);
        container.setConsumerRebalanceListener(ownership);
        var result = new KafkaMessageListenerContainer<>(consumerFactory, container);
        result.setCommonErrorHandler(sessionEventsErrorHandler);
        result.setBeanName("session-events-" + room.consumerGroup());
        return result;
    }

    private static Map<String, Object> producerProperties(KafkaProperties kafka, String purpose) {
        Map<String, Object> props = new HashMap<>(kafka.buildProducerProperties());
        props.putIfAbsent(ProducerConfig.LINGER_MS_CONFIG, 0);
        props.putIfAbsent(ProducerConfig.ACKS_CONFIG, "all");
        props.put(ProducerConfig.CLIENT_ID_CONFIG, "room-worker-" + purpose + "-" + System.identityHashCode(props));
        return props;
    }
}
