package ai.ojin.session.room.config;

import ai.ojin.session.events.command.SessionCommand;
import ai.ojin.session.events.reply.SessionReply;
import ai.ojin.session.events.topic.SessionTopics;
import ai.ojin.session.room.daily.DailyApi;
import ai.ojin.session.room.orchestrator.Orchestrator;
import ai.ojin.session.room.reconcile.PartitionOwnership;
import ai.ojin.session.room.reconcile.RoomReconciler;
import ai.ojin.session.room.session.SessionEventsListener;
import ai.ojin.session.room.session.SessionOutbox;
import ai.ojin.session.room.session.SessionRegistry;
import ai.ojin.session.room.session.SessionSetup;
import ai.ojin.session.room.session.SessionTeardown;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.kafka.core.KafkaTemplate;

/** The session set-up / tear-down pipeline and the reconciliation. */
@Configuration(proxyBeanMethods = false)
public class SessionConfiguration {

    @Bean
    SessionRegistry sessionRegistry(MeterRegistry meters) {
        SessionRegistry registry = new SessionRegistry();
        Gauge.builder("room.sessions.in_flight", registry, SessionRegistry::inFlightCount).register(meters);
        Gauge.builder("room.sessions.live", registry, SessionRegistry::liveCount).register(meters);
        return registry;
    }

    @Bean
    SessionOutbox sessionOutbox(SessionTopics topics, KafkaTemplate<String, SessionReply> replyTemplate,
                                KafkaTemplate<String, SessionCommand> commandTemplate) {
        return new SessionOutbox(topics, replyTemplate, commandTemplate);
    }

    @Bean
    SessionTeardown sessionTeardown(DailyApi daily, Orchestrator orchestrator, SessionRegistry registry,
                                    RoomProperties properties, MeterRegistry meters) {
        return new SessionTeardown(daily, orchestrator, registry, properties, meters);
    }

    @Bean
    SessionSetup sessionSetup(DailyApi daily, Orchestrator orchestrator, SessionOutbox outbox, SessionRegistry registry,
                              SessionTeardown teardown, RoomProperties properties, MeterRegistry meters) {
        return new SessionSetup(daily, orchestrator, outbox, registry, teardown, properties, meters);
    }

    @Bean
    SessionEventsListener sessionEventsListener(SessionSetup setup, SessionTeardown teardown, SessionRegistry registry,
                                                RoomProperties properties) {
        // Each set-up is bounded by its budget plus a clean-up; this is only a safety net.
        Duration limit = properties.setupBudget().plus(properties.teardownBudget()).multipliedBy(2).plusSeconds(30);
        return new SessionEventsListener(setup, teardown, registry, limit);
    }

    @Bean
    PartitionOwnership partitionOwnership(SessionTopics topics) {
        return new PartitionOwnership(topics.events().name());
    }

    @Bean
    RoomReconciler roomReconciler(DailyApi daily, SessionRegistry registry, PartitionOwnership ownership,
                                  RoomProperties properties, MeterRegistry meters) {
        return new RoomReconciler(daily, registry, ownership, properties, meters);
    }
}
