package ai.ojin.session.connect.config;

import ai.ojin.session.events.topic.TopicsProperties;
import ai.ojin.session.events.agent.Agent;
import ai.ojin.session.events.command.SessionCommand;
import ai.ojin.session.events.topic.SessionTopics;
import ai.ojin.session.events.topic.Topic;
import java.util.HashMap;
import java.util.Map;
import java.util.function.Supplier;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.admin.NewTopic;
import org.springframework.boot.kafka.autoconfigure.KafkaProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.kafka.core.DefaultKafkaProducerFactory;
import org.springframework.kafka.core.KafkaAdmin;
import org.springframework.kafka.core.KafkaTemplate;
import org.springframework.kafka.core.ProducerFactory;

/**
 * Kafka clients of this service, all with the serdes of {@link SessionTopics} (no type headers).
 * Producer settings (acks=all, idempotence, linger.ms=0) come from {@code connect-api.yml}.
 */
@Configuration(proxyBeanMethods = false)
public class KafkaConfig {

    @Bean
    SessionTopics sessionTopics(TopicsProperties properties) {
        return properties.topics();
    }

    /** Declares every topic (the same set as the other services) so that a fresh broker works. */
    @Bean
    KafkaAdmin.NewTopics sessionTopicDeclarations(SessionTopics topics, TopicsProperties properties) {
        return new KafkaAdmin.NewTopics(topics.newTopics(properties.layout()).toArray(NewTopic[]::new));
    }

    @Bean
    ProducerFactory<String, SessionCommand> commandProducerFactory(KafkaProperties kafka, SessionTopics topics) {
        return producerFactory(kafka, topics.commands());
    }

    @Bean
    KafkaTemplate<String, SessionCommand> commandTemplate(ProducerFactory<String, SessionCommand> commandProducerFactory) {
        return new KafkaTemplate<>(commandProducerFactory);
    }

    @Bean
    ProducerFactory<String, Agent> agentProducerFactory(KafkaProperties kafka, SessionTopics topics) {
        return producerFactory(kafka, topics.agents());
    }

    @Bean
    KafkaTemplate<String, Agent> agentTemplate(ProducerFactory<String, Agent> agentProducerFactory) {
        return new KafkaTemplate<>(agentProducerFactory);
    }

    /** Consumers of this service: assigned partitions only, no group, no commits (see {@link ConsumerSource#inGroup}). */
    @Bean
    ConsumerSource consumerSource(KafkaProperties kafka) {
        Map<String, Object> base = new HashMap<>(kafka.buildConsumerProperties());
        base.remove(ConsumerConfig.GROUP_ID_CONFIG);
        base.remove(ConsumerConfig.GROUP_INSTANCE_ID_CONFIG);
        base.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        base.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        // The processor writes replies inside its transactions: never answer from an aborted one.
        base.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        return new ConsumerSource(Map.copyOf(base));
    }

    private static <V> ProducerFactory<String, V> producerFactory(KafkaProperties kafka, Topic<String, V> topic) {
        return new DefaultKafkaProducerFactory<>(kafka.buildProducerProperties(),
                topic.keySerde().serializer(), topic.valueSerde().serializer());
    }

    /** Creates plain consumers for one topic descriptor with the shared consumer settings. */
    public record ConsumerSource(Map<String, Object> properties) {

        /**
         * The same settings with a consumer group whose committed offsets a consumer continues
         * from (still assigned, not subscribed); without a committed offset it starts at the end.
         */
        public ConsumerSource inGroup(String groupId) {
            Map<String, Object> grouped = new HashMap<>(properties);
            grouped.put(ConsumerConfig.GROUP_ID_CONFIG, groupId);
            grouped.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "latest");
            return new ConsumerSource(Map.copyOf(grouped));
        }

        public <V> Supplier<Consumer<String, V>> forTopic(Topic<String, V> topic) {
            return () -> new KafkaConsumer<>(properties, topic.keySerde().deserializer(), topic.valueSerde().deserializer());
        }

        /**
         * The same with {@code read_uncommitted}: records of open (and aborted) transactions too.
         * Only for what may be acted on before a commit (rejections).
         */
        public <V> Supplier<Consumer<String, V>> forTopicUncommitted(Topic<String, V> topic) {
            Map<String, Object> uncommitted = new HashMap<>(properties);
            uncommitted.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_uncommitted");
            return () -> new KafkaConsumer<>(uncommitted, topic.keySerde().deserializer(), topic.valueSerde().deserializer());
        }
    }
}
