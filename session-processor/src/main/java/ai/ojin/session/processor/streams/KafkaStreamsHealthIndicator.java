package ai.ojin.session.processor.streams;

import org.apache.kafka.streams.KafkaStreams;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;

/**
 * UP while the Streams client is RUNNING, or REBALANCING after it has run (a rebalance is normal
 * operation); DOWN before it first reaches RUNNING and after it stopped or failed. Part of the
 * readiness group, so an instance is ready only once its state is restored.
 */
public class KafkaStreamsHealthIndicator implements HealthIndicator {

    private final SessionStreams streams;

    public KafkaStreamsHealthIndicator(SessionStreams streams) {
        this.streams = streams;
    }

    @Override
    public Health health() {
        KafkaStreams.State state = streams.state();
        boolean up = state == KafkaStreams.State.RUNNING
                || (state == KafkaStreams.State.REBALANCING && streams.everRunning());
        return (up ? Health.up() : Health.down()).withDetail("state", state.name())
                .withDetail("activeTasks", streams.activeTasks()).build();
    }
}
