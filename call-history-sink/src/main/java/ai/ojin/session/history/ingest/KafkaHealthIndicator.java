package ai.ojin.session.history.ingest;

import ai.ojin.session.events.fact.SessionEvent;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.DescribeClusterOptions;
import org.springframework.beans.factory.DisposableBean;
import org.springframework.boot.health.contributor.AbstractHealthIndicator;
import org.springframework.boot.health.contributor.Health;
import org.springframework.kafka.core.KafkaAdmin;
import org.springframework.kafka.listener.ConcurrentMessageListenerContainer;
import org.springframework.stereotype.Component;

/** Health "kafka": the broker answers and the fact listener is running. */
@Component("kafka")
class KafkaHealthIndicator extends AbstractHealthIndicator implements DisposableBean {

    private static final Duration TIMEOUT = Duration.ofSeconds(3);

    private final Admin admin;
    private final ConcurrentMessageListenerContainer<String, SessionEvent> container;

    KafkaHealthIndicator(KafkaAdmin kafkaAdmin, ConcurrentMessageListenerContainer<String, SessionEvent> container) {
        super("Kafka health check failed");
        this.admin = Admin.create(kafkaAdmin.getConfigurationProperties());
        this.container = container;
    }

    @Override
    protected void doHealthCheck(Health.Builder builder) throws Exception {
        String clusterId = admin.describeCluster(new DescribeClusterOptions().timeoutMs((int) TIMEOUT.toMillis()))
                .clusterId().get(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        builder.withDetail("cluster_id", clusterId).withDetail("listener_running", container.isRunning());
        if (container.isRunning()) {
            builder.up();
        } else {
            builder.down();
        }
    }

    @Override
    public void destroy() {
        admin.close(Duration.ofSeconds(2));
    }
}
