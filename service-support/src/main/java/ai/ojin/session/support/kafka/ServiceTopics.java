package ai.ojin.session.support.kafka;

import ai.ojin.session.events.topic.SessionTopics;
import ai.ojin.session.support.config.TopicsProperties;
import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.clients.admin.NewTopic;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.kafka.core.KafkaAdmin;

/**
 * The topics of every service: the topic descriptors ({@link SessionTopics}, from
 * {@code session.topics}) as a bean, and every session topic declared, with the service's
 * {@link DeadLetterTopics} if it has them, so that a fresh broker works whichever service starts first.
 */
@Configuration(proxyBeanMethods = false)
public class ServiceTopics {

    @Bean
    SessionTopics sessionTopics(TopicsProperties properties) {
        return properties.topics();
    }

    @Bean
    KafkaAdmin.NewTopics sessionTopicDeclarations(SessionTopics topics, TopicsProperties properties,
                                                  ObjectProvider<DeadLetterTopics> deadLetters) {
        List<NewTopic> declared = new ArrayList<>(topics.newTopics(properties.layout()));
        deadLetters.ifAvailable(d -> declared.addAll(d.newTopics(topics, properties)));
        return new KafkaAdmin.NewTopics(declared.toArray(NewTopic[]::new));
    }
}
