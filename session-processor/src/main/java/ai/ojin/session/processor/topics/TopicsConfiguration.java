package ai.ojin.session.processor.topics;

import ai.ojin.session.support.config.TopicsProperties;
import ai.ojin.session.events.topic.SessionTopics;
import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.clients.admin.NewTopic;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.kafka.core.KafkaAdmin;

/** The topic descriptors, and the topics this service uses declared so that a fresh broker works. */
@Configuration(proxyBeanMethods = false)
public class TopicsConfiguration {

    /** This service's name in its dead-letter topics ({@link SessionTopics#deadLetterTopic}). */
    public static final String SERVICE = "session-processor";

    /** Where records of {@code source} that cannot be read are kept. */
    public static String deadLetterTopic(String source) {
        return SessionTopics.deadLetterTopic(source, SERVICE);
    }

    @Bean
    SessionTopics sessionTopics(TopicsProperties properties) {
        return SessionTopics.withPrefix(properties.prefix());
    }

    @Bean
    KafkaAdmin.NewTopics sessionNewTopics(SessionTopics topics, TopicsProperties properties) {
        List<NewTopic> all = new ArrayList<>(topics.newTopics(properties.layout()));
        for (String source : List.of(topics.commands().name(), topics.agents().name())) {
            all.add(new NewTopic(deadLetterTopic(source), 1, properties.replicationFactor()));
        }
        return new KafkaAdmin.NewTopics(all.toArray(NewTopic[]::new));
    }
}
