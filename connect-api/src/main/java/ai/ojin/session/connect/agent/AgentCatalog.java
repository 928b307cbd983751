package ai.ojin.session.connect.agent;

import ai.ojin.session.support.schedule.Phases;
import ai.ojin.session.events.agent.Agent;
import ai.ojin.session.support.kafka.CompactedTopicView;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.apache.kafka.clients.consumer.Consumer;
import org.springframework.context.SmartLifecycle;

/**
 * This instance's view of the compacted {@code agents} topic ({@link CompactedTopicView}: all
 * partitions, from the beginning, a tombstone deletes), and the admin API's writes to it. The
 * instance is not ready until the view has {@linkplain #caughtUp() caught up} with what the topic
 * held at start-up; a write completes once this instance's view shows it (read-your-writes).
 */
public class AgentCatalog implements SmartLifecycle {

    private final CompactedTopicView<String, Agent> view;
    private final Duration writeTimeout;

    /**
     * @param writer       how agents are written to the topic (null: a read-only catalog)
     * @param writeTimeout how long a write may take before it fails
     */
    public AgentCatalog(String topic, Supplier<Consumer<String, Agent>> consumers, CompactedTopicView.Writer<String, Agent> writer,
                        Duration writeTimeout) {
        this.view = new CompactedTopicView<>(topic, consumers, writer, null, Phases.READERS);
        this.writeTimeout = writeTimeout;
    }

    public Optional<Agent> find(String agentId) {
        return view.get(agentId);
    }

    public int size() {
        return view.size();
    }

    /** True once every record up to the end offsets seen at start-up is in the view. */
    public boolean caughtUp() {
        return view.loaded();
    }

    /** True while the view's reader polls (false while it starts over after a failure). */
    public boolean isReading() {
        return view.isReading();
    }

    /** Stores the agent; completes once this instance's catalog shows it. */
    public CompletableFuture<Void> put(Agent agent) {
        return view.put(agent.agentId(), agent).orTimeout(writeTimeout.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** Writes a tombstone; completes once this instance's catalog no longer shows the agent. */
    public CompletableFuture<Void> delete(String agentId) {
        return view.remove(agentId).orTimeout(writeTimeout.toMillis(), TimeUnit.MILLISECONDS);
    }

    @Override
    public void start() {
        view.start();
    }

    @Override
    public void stop() {
        view.stop();
    }

    @Override
    public boolean isRunning() {
        return view.isRunning();
    }

    @Override
    public int getPhase() {
        return view.getPhase();
    }
}
