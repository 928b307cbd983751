package ai.ojin.session.processor.topics;

import ai.ojin.session.support.kafka.DeadLetterTopics;
import java.util.List;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/** This service's dead-letter topics (the session topics are declared by {@code ServiceTopics}). */
@Configuration(proxyBeanMethods = false)
public class TopicsConfiguration {

    /** This service's name in its dead-letter topics. */
    public static final String SERVICE = "session-processor";

    /** Records of {@code session-commands} or {@code agents} that cannot be read: one partition each (they are rare). */
    @Bean
    DeadLetterTopics deadLetterTopics() {
        return new DeadLetterTopics(SERVICE, topics -> List.of(topics.commands().name(), topics.agents().name()), 1);
    }
}
