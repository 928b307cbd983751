package ai.ojin.session.history.ingest;

import ai.ojin.session.events.fact.SessionEvent;
import java.util.Collection;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.common.TopicPartition;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.kafka.listener.ConcurrentMessageListenerContainer;
import org.springframework.kafka.listener.ConsumerAwareRebalanceListener;

/**
 * Health {@code factListener} (part of readiness): up once the fact listener runs and its consumer
 * has received an assignment from its group (possibly empty, with more instances than partitions).
 */
final class FactListenerReadiness implements ConsumerAwareRebalanceListener, HealthIndicator {

    private volatile ConcurrentMessageListenerContainer<String, SessionEvent> container;
    private volatile boolean assignedOnce;

    void watch(ConcurrentMessageListenerContainer<String, SessionEvent> container) {
        this.container = container;
    }

    @Override
    public void onPartitionsAssigned(Consumer<?, ?> consumer, Collection<TopicPartition> partitions) {
        assignedOnce = true;
    }

    @Override
    public Health health() {
        var listener = container;
        boolean running = listener != null && listener.isRunning();
        return (running && assignedOnce ? Health.up() : Health.down())
                .withDetail("running", running).withDetail("assigned", assignedOnce).build();
    }
}
