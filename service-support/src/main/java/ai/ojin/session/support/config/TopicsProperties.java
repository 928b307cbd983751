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
