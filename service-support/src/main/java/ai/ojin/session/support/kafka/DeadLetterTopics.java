package ai.ojin.session.support.kafka;

import ai.ojin.session.events.topic.SessionTopics;
import ai.ojin.session.support.config.TopicsProperties;
import java.util.List;
import java.util.function.Function;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.TopicPartition;
import org.springframework.kafka.core.KafkaOperations;
import org.springframework.kafka.listener.DeadLetterPublishingRecoverer;

/**
 * Where a service keeps the records it cannot process: one topic per source topic,
 * {@code <source>.<service>.dlt} ({@link SessionTopics#deadLetterTopic}). A service declares its
 * bean; {@link ServiceTopics} creates the topics with the others.
 *
 * @param service    the service's name in the topics' names
 * @param sources    the source topics whose records it may dead-letter
 * @param partitions the dead-letter topics' partitions (0: as many as the session topics)
 */
public record DeadLetterTopics(String service, Function<SessionTopics, List<String>> sources, int partitions) {

    /** The dead-letter topic of records of {@code source}. */
    public String of(String source) {
        return SessionTopics.deadLetterTopic(source, service);
    }

    /** The dead-letter topics to create. */
    public List<NewTopic> newTopics(SessionTopics topics, TopicsProperties properties) {
        int count = partitions > 0 ? partitions : properties.partitions();
        return sources.apply(topics).stream().map(source -> new NewTopic(of(source), count, properties.replicationFactor())).toList();
    }

    /** Sends a record, as it was, to the dead-letter topic of its source (partition chosen by the producer). */
    public DeadLetterPublishingRecoverer recoverer(KafkaOperations<?, ?> template) {
        return new DeadLetterPublishingRecoverer(template, (record, error) -> new TopicPartition(of(record.topic()), -1));
    }
}
