package ai.ojin.session.connect.config;

import ai.ojin.session.support.kafka.KafkaTemplates;
import ai.ojin.session.events.agent.Agent;
import ai.ojin.session.events.command.SessionCommand;
import ai.ojin.session.events.topic.SessionTopics;
import ai.ojin.session.events.topic.Topic;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.util.HashMap;
import java.util.Map;
import java.util.function.Supplier;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.CooperativeStickyAssignor;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.kafka.autoconfigure.KafkaProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.kafka.core.DefaultKafkaConsumerFactory;
import org.springframework.kafka.core.MicrometerConsumerListener;
import org.springframework.kafka.core.KafkaTemplate;

/**
 * Kafka clients of this service, all with the serdes of {@link SessionTopics} (no type headers).
 * Producer settings (acks=all, idempotence, linger.ms=0) come from {@code connect-api.yml}. Every
 * client's metrics are bound to Micrometer; the templates are observed (a producer span per send,
 * its W3C {@code traceparent} in the record's headers).
 */
@Configuration(proxyBeanMethods = false)
public class KafkaConfig {

    @Bean
    KafkaTemplate<String, SessionCommand> commandTemplate(KafkaProperties kafka, SessionTopics topics,
            ObjectProvider<MeterRegistry> meters) {
        return KafkaTemplates.forTopic(kafka.buildProducerProperties(), topics.commands(), meters.getIfAvailable());
    }

    @Bean
    KafkaTemplate<String, Agent> agentTemplate(KafkaProperties kafka, SessionTopics topics, ObjectProvider<MeterRegistry> meters) {
        return KafkaTemplates.forTopic(kafka.buildProducerProperties(), topics.agents(), meters.getIfAvailable());
    }

    /**
     * Consumers of this service: assigned partitions, no group, no commits; the reply reader
     * joins a group ({@link ConsumerSource#asMember}, or {@link ConsumerSource#inGroup} with
     * a partition set by hand).
     */
    @Bean
    ConsumerSource consumerSource(KafkaProperties kafka, ObjectProvider<MeterRegistry> meters) {
        Map<String, Object> base = new HashMap<>(kafka.buildConsumerProperties());
        base.remove(ConsumerConfig.GROUP_ID_CONFIG);
        base.remove(ConsumerConfig.GROUP_INSTANCE_ID_CONFIG);
        base.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        base.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        // The processor writes replies inside its transactions: never answer from an aborted one.
        base.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        return new ConsumerSource(Map.copyOf(base), meters.getIfAvailable(SimpleMeterRegistry::new));
    }

    /**
     * Creates plain consumers for one topic descriptor with the shared consumer settings; each
     * consumer's metrics are bound to {@code meters} ({@code kafka.consumer.*}) until it is closed.
     */
    public record ConsumerSource(Map<String, Object> properties, MeterRegistry meters) {

        /**
         * The same settings with a consumer group whose committed offsets a consumer continues
         * from (still assigned, not subscribed); without a committed offset it starts at the end.
         */
        public ConsumerSource inGroup(String groupId) {
            Map<String, Object> grouped = new HashMap<>(properties);
            grouped.put(ConsumerConfig.GROUP_ID_CONFIG, groupId);
            grouped.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "latest");
            return new ConsumerSource(Map.copyOf(grouped), meters);
        }

        /**
         * The same settings as a static member ({@code memberId}) of a consumer group whose
         * partitions the consumer subscribes to: cooperative rebalancing (only partitions that
         * change owner are revoked), committed offsets, else the end; a member gone for good
         * hands its partitions over after the session timeout (10 s unless set).
         */
        public ConsumerSource asMember(String groupId, String memberId) {
            Map<String, Object> member = new HashMap<>(inGroup(groupId).properties());
            member.put(ConsumerConfig.GROUP_INSTANCE_ID_CONFIG, memberId);
            member.put(ConsumerConfig.PARTITION_ASSIGNMENT_STRATEGY_CONFIG, CooperativeStickyAssignor.class.getName());
            member.putIfAbsent(ConsumerConfig.SESSION_TIMEOUT_MS_CONFIG, 10_000);
            return new ConsumerSource(Map.copyOf(member), meters);
        }

        public <V> Supplier<Consumer<String, V>> forTopic(Topic<String, V> topic) {
            // Spring's factory only to bind each plain consumer's metrics and unbind them when it closes.
            var factory = new DefaultKafkaConsumerFactory<String, V>(properties, () -> topic.keySerde().deserializer(),
                    () -> topic.valueSerde().deserializer());
            factory.addListener(new MicrometerConsumerListener<>(meters));
            return factory::createConsumer;
        }

        /**
         * The same with {@code read_uncommitted}: records of open (and aborted) transactions too.
         * Only for what may be acted on before a commit (rejections). No consumer group.
         */
        public <V> Supplier<Consumer<String, V>> forTopicUncommitted(Topic<String, V> topic) {
            Map<String, Object> uncommitted = new HashMap<>(properties);
            uncommitted.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_uncommitted");
            uncommitted.remove(ConsumerConfig.GROUP_ID_CONFIG);
            uncommitted.remove(ConsumerConfig.GROUP_INSTANCE_ID_CONFIG);
            return new ConsumerSource(Map.copyOf(uncommitted), meters).forTopic(topic);
        }
    }
}
