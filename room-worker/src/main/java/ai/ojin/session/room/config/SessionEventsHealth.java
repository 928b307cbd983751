package ai.ojin.session.room.config;

import ai.ojin.session.events.fact.SessionEvent;
import ai.ojin.session.room.session.SessionRegistry;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.kafka.listener.KafkaMessageListenerContainer;
import org.springframework.stereotype.Component;

/** Health {@code sessionEvents}: up while the {@code session-events} listener runs. */
@Component("sessionEvents")
public class SessionEventsHealth implements HealthIndicator {

    private final KafkaMessageListenerContainer<String, SessionEvent> container;
    private final SessionRegistry registry;

    public SessionEventsHealth(KafkaMessageListenerContainer<String, SessionEvent> container, SessionRegistry registry) {
        this.container = container;
        this.registry = registry;
    }

    @Override
    public Health health() {
        Health.Builder builder = container.isRunning() ? Health.up() : Health.down();
        return builder.withDetail("assignedPartitions", container.getAssignedPartitions() == null ? 0
                        : container.getAssignedPartitions().size())
                .withDetail("setupsInFlight", registry.inFlightCount())
                .build();
    }
}
