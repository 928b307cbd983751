package ai.ojin.session.processor.topics;

import ai.ojin.session.events.topic.TopicLayout;
import jakarta.validation.constraints.Min;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.validation.annotation.Validated;

/** {@code session.topics.*}: topic name prefix (empty in production) and partition layout. */
@Validated
@ConfigurationProperties("session.topics")
public record TopicsProperties(
        @DefaultValue("") String prefix,
        @DefaultValue("3") @Min(1) int partitions,
        @DefaultValue("4") @Min(1) int replyPartitions,
        @DefaultValue("1") @Min(1) short replicationFactor) {

    public TopicLayout layout() {
        return new TopicLayout(partitions, replyPartitions, replicationFactor);
    }
}
