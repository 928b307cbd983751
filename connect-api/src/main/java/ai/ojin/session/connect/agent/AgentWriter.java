package ai.ojin.session.connect.agent;

import ai.ojin.session.events.agent.Agent;
import ai.ojin.session.events.topic.SessionTopics;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.springframework.kafka.core.KafkaTemplate;

/** Writes agent configurations to the {@code agents} topic and waits until the local view has them. */
public class AgentWriter {

    private final KafkaTemplate<String, Agent> template;
    private final SessionTopics topics;
    private final AgentCatalog catalog;
    private final Duration timeout;

    public AgentWriter(KafkaTemplate<String, Agent> template, SessionTopics topics, AgentCatalog catalog, Duration timeout) {
        this.template = template;
        this.topics = topics;
        this.catalog = catalog;
        this.timeout = timeout;
    }

    /** Stores the agent; completes once this instance's catalog shows it. */
    public CompletableFuture<Void> put(Agent agent) {
        return write(agent.agentId(), agent);
    }

    /** Writes a tombstone; completes once this instance's catalog no longer shows the agent. */
    public CompletableFuture<Void> delete(String agentId) {
        return write(agentId, null);
    }

    private CompletableFuture<Void> write(String agentId, Agent value) {
        return template.send(topics.agents().name(), agentId, value)
                .thenCompose(result -> catalog.awaitApplied(result.getRecordMetadata().partition(), result.getRecordMetadata().offset()))
                .orTimeout(timeout.toMillis(), TimeUnit.MILLISECONDS);
    }
}
