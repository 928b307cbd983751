package ai.ojin.session.connect.config;

import ai.ojin.session.events.topic.SessionTopics;
import ai.ojin.session.events.topic.TopicLayout;
import jakarta.validation.constraints.Min;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.validation.annotation.Validated;

/** Topic names (a prefix, empty in production) and the partition layout used to declare them. */
@Validated
@ConfigurationProperties("session.topics")
public record TopicsProperties(
        @DefaultValue("") String prefix,
        @DefaultValue("3") @Min(1) int partitions,
        @DefaultValue("4") @Min(1) int replyPartitions,
        @DefaultValue("1") @Min(1) short replicationFactor) {

    public SessionTopics topics() {
        return SessionTopics.withPrefix(prefix == null ? "" : prefix);
    }

    public TopicLayout layout() {
        return new TopicLayout(partitions, replyPartitions, replicationFactor);
    }
}
