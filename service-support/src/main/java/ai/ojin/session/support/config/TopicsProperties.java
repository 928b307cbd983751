package ai.ojin.session.support.config;

import ai.ojin.session.events.topic.SessionTopics;
import ai.ojin.session.events.topic.TopicLayout;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotNull;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.validation.annotation.Validated;

/**
 * {@code session.topics.*}, bound by every service: the topic prefix (empty in production; tests
 * use one of their own) and the partition layout used when topics are created.
 *
 * @param prefix put before every topic name, so that tests can share one broker without seeing each
 *     other's records; empty in production
 * @param partitions partition count of every topic the services create but {@code session-replies}
 *     ({@code agents}, {@code session-commands} and {@code session-events} are co-partitioned)
 * @param replyPartitions partition count of {@code session-replies}: how many connect-api instances
 *     can each read a partition of their own ({@code connect.reply-partition})
 * @param replicationFactor replication factor of the topics the services create, and of the
 *     processor's internal (changelog) topics; 3 in production (docs/operations.md, "A production
 *     Kafka cluster"). Topics that already exist keep theirs
 */
@Validated
@ConfigurationProperties("session.topics")
public record TopicsProperties(
        @NotNull @DefaultValue("") String prefix,
        @Min(1) @DefaultValue("3") int partitions,
        @Min(1) @DefaultValue("4") int replyPartitions,
        @Min(1) @DefaultValue("1") short replicationFactor) {

    public SessionTopics topics() {
        return SessionTopics.withPrefix(prefix);
    }

    public TopicLayout layout() {
        return new TopicLayout(partitions, replyPartitions, replicationFactor);
    }
}
