package ai.ojin.session.history.ingest;

import ai.ojin.session.events.fact.SessionEvent;
import ai.ojin.session.events.history.CallRecord;
import ai.ojin.session.support.config.InstanceProperties;
import ai.ojin.session.events.topic.SessionTopics;
import ai.ojin.session.history.config.HistoryProperties;
import ai.ojin.session.support.kafka.DeadLetterTopics;
import ai.ojin.session.support.kafka.KafkaTemplates;
import ai.ojin.session.history.ingest.FactBatchListener.InvalidFactException;
import ai.ojin.session.history.store.CallStore;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Clock;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.serialization.Deserializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.kafka.autoconfigure.KafkaProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.core.NestedExceptionUtils;
import org.springframework.context.annotation.Configuration;
import org.springframework.kafka.core.DefaultKafkaConsumerFactory;
import org.springframework.kafka.core.KafkaTemplate;
import org.springframework.kafka.core.MicrometerConsumerListener;
import org.springframework.kafka.listener.ConcurrentMessageListenerContainer;
import org.springframework.kafka.listener.ContainerProperties;
import org.springframework.kafka.listener.ConsumerRecordRecoverer;
import org.springframework.kafka.listener.DefaultErrorHandler;
import org.springframework.kafka.support.serializer.ErrorHandlingDeserializer;
import org.springframework.util.backoff.BackOff;
import org.springframework.util.backoff.ExponentialBackOff;
import org.springframework.util.backoff.FixedBackOff;

/**
 * Kafka wiring: the topics this service uses, the batch listener container on
 * {@code session-events}, the {@code call-history} producer, and the one error handler. JSON goes
 * only through the serdes of {@link SessionTopics}.
 */
@Configuration(proxyBeanMethods = false)
class IngestKafkaConfig {

    private static final Logger log = LoggerFactory.getLogger(IngestKafkaConfig.class);

    /**
     * Dead letters of this service: facts it cannot read (raw bytes) or that the store refuses
     * (the fact as it was), original headers kept.
     */
    static final DeadLetterTopics DEAD_LETTERS = new DeadLetterTopics("call-history-sink", topics -> List.of(topics.events().name()), 0);

    static String deadLetterTopic(SessionTopics topics) {
        return DEAD_LETTERS.of(topics.events().name());
    }

    @Bean
    DeadLetterTopics deadLetterTopics() {
        return DEAD_LETTERS;
    }

    @Bean
    IngestProgress ingestProgress(Clock clock, HistoryProperties history, MeterRegistry meters) {
        return new IngestProgress(clock, history.stallAfter()).bindTo(meters);
    }

    @Bean
    DefaultKafkaConsumerFactory<String, SessionEvent> factConsumerFactory(KafkaProperties kafka,
            HistoryProperties history, SessionTopics topics, InstanceProperties instance, MeterRegistry meters) {
        Map<String, Object> config = new HashMap<>(kafka.buildConsumerProperties());
        config.put(ConsumerConfig.GROUP_ID_CONFIG, groupId(history));
        if (!history.rebuild()) {
            // Static membership: a restarted instance gets its partitions back at once.
            config.putIfAbsent(ConsumerConfig.GROUP_INSTANCE_ID_CONFIG, instance.member("call-history"));
        }
        config.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        if (history.batchWait().toMillis() > 0) {
            // Call history is not on anyone's critical path: let facts gather into larger batches.
            config.put(ConsumerConfig.FETCH_MIN_BYTES_CONFIG, HistoryProperties.BATCH_BYTES);
            config.put(ConsumerConfig.FETCH_MAX_WAIT_MS_CONFIG, (int) history.batchWait().toMillis());
        }
        if (history.rebuild()) {
            config.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        }
        var factory = new DefaultKafkaConsumerFactory<>(config, topics.events().keySerde().deserializer(),
                new ErrorHandlingDeserializer<>(validFacts(topics.events().valueSerde().deserializer())));
        factory.addListener(new MicrometerConsumerListener<>(meters));
        return factory;
    }

    @Bean
    KafkaTemplate<String, CallRecord> callHistoryTemplate(KafkaProperties kafka, SessionTopics topics,
            MeterRegistry meters) {
        return KafkaTemplates.forTopic(kafka.buildProducerProperties(), topics.callHistory(), meters);
    }

    /** Dead letters of this service (see {@link #deadLetterTopic}). */
    @Bean
    KafkaTemplate<String, Object> deadLetterTemplate(KafkaProperties kafka, SessionTopics topics, MeterRegistry meters) {
        return KafkaTemplates.forDeadLetters(kafka.buildProducerProperties(), topics, meters);
    }

    @Bean
    DefaultErrorHandler factErrorHandler(KafkaTemplate<String, Object> deadLetterTemplate, SessionTopics topics,
            HistoryProperties history, MeterRegistry meters) {
        String deadLetterTopic = deadLetterTopic(topics);
        var publisher = DEAD_LETTERS.recoverer(deadLetterTemplate);
        ConsumerRecordRecoverer recoverer = (record, exception) -> {
            String reason = refused(exception) ? "refused" : "unreadable";
            log.error("Fact at {}-{}@{} sent to {} ({}): {}", record.topic(), record.partition(), record.offset(),
                    deadLetterTopic, reason, NestedExceptionUtils.getMostSpecificCause(exception).getMessage());
            publisher.accept(record, exception);
            meters.counter("call.history.facts.dead_lettered", "reason", reason).increment();
        };
        // Store or broker outages are retried until they pass (the whole batch; health reports a
        // stall); a fact the store refuses is retried a few times, then dead-lettered; unreadable
        // facts go to the dead-letter topic at once.
        var outageBackOff = new ExponentialBackOff(500, 2.0);
        outageBackOff.setMaxInterval(30_000);
        outageBackOff.setMaxElapsedTime(Long.MAX_VALUE);
        var handler = new DefaultErrorHandler(recoverer, outageBackOff);
        BackOff perFact = new FixedBackOff(history.recordRetryInterval().toMillis(), history.recordAttempts() - 1L);
        // Only a refusal of one fact is bounded; every other failure (also of a whole batch) waits out the outage.
        handler.setBackOffFunction((record, exception) -> refused(exception) ? perFact : outageBackOff);
        handler.addNotRetryableExceptions(InvalidFactException.class, SerializationException.class);
        handler.setLogLevel(org.springframework.kafka.KafkaException.Level.WARN);
        return handler;
    }

    private static boolean refused(Exception exception) {
        for (Throwable t = exception; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof FactBatchListener.FactRefusedException) {
                return true;
            }
        }
        return false;
    }

    @Bean
    ConcurrentMessageListenerContainer<String, SessionEvent> factListenerContainer(
            DefaultKafkaConsumerFactory<String, SessionEvent> factConsumerFactory, SessionTopics topics,
            HistoryProperties history, FactBatchListener listener, DefaultErrorHandler factErrorHandler,
            CallStore store, FactListenerReadiness factListenerReadiness) {
        if (history.rebuild()) {
            long rows = store.count();
            if (rows > 0) {
                throw new IllegalStateException("history.rebuild=true needs an empty store, but "
                        + history.db().url() + " holds " + rows + " call records");
            }
            log.info("Rebuild: replaying {} from the earliest offset into an empty store as consumer group {}, "
                    + "without publishing", topics.events().name(),
                    factConsumerFactory.getConfigurationProperties().get(ConsumerConfig.GROUP_ID_CONFIG));
        }
        var containerProperties = new ContainerProperties(topics.events().name());
        containerProperties.setMessageListener(listener);
        containerProperties.setAckMode(ContainerProperties.AckMode.BATCH);
        containerProperties.setConsumerRebalanceListener(factListenerReadiness);
        var container = new ConcurrentMessageListenerContainer<>(factConsumerFactory, containerProperties);
        factListenerReadiness.watch(container);
        container.setConcurrency(history.concurrency());
        container.setCommonErrorHandler(factErrorHandler);
        return container;
    }

    /** Health {@code factListener}, part of readiness. */
    @Bean("factListener")
    FactListenerReadiness factListenerReadiness() {
        return new FactListenerReadiness();
    }

    private static String groupId(HistoryProperties history) {
        return history.rebuild() ? history.groupId() + "-rebuild-" + System.currentTimeMillis() : history.groupId();
    }

    /** Facts without a session or agent id cannot be folded: treat them like unreadable bytes. */
    private static Deserializer<SessionEvent> validFacts(Deserializer<SessionEvent> facts) {
        return (topic, bytes) -> {
            SessionEvent fact = facts.deserialize(topic, bytes);
            if (fact != null && (isBlank(fact.sessionId()) || isBlank(fact.agentId()))) {
                throw new SerializationException("fact " + fact.typeName() + " without session_id or agent_id");
            }
            return fact;
        };
    }

    private static boolean isBlank(String value) {
        return value == null || value.isBlank();
    }
}
