package ai.ojin.session.connect.agent;

import ai.ojin.session.connect.kafka.AssignedConsumerLoop;
import ai.ojin.session.events.agent.Agent;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.function.Supplier;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * This instance's view of the compacted {@code agents} topic: all partitions, read from the
 * beginning on a thread of its own (no consumer group), a tombstone deletes. The view is
 * {@link #caughtUp()} once it has applied every record up to the end offsets seen at start-up;
 * until then the instance is not ready. {@link #awaitApplied} gives read-your-writes to the admin
 * API.
 */
public class AgentCatalog extends AssignedConsumerLoop<String, Agent> {

    private static final Logger log = LoggerFactory.getLogger(AgentCatalog.class);
    private static final Duration POLL = Duration.ofMillis(200);

    private final String topic;
    private final ConcurrentMap<String, Agent> agents = new ConcurrentHashMap<>();
    private final Object lock = new Object();
    /** Next offset to read, per partition, after the records before it were applied. Guarded by lock. */
    private final Map<Integer, Long> appliedUpTo = new HashMap<>();
    /** Guarded by lock. */
    private final List<Waiter> waiters = new ArrayList<>();

    private volatile boolean caughtUp;
    private Map<TopicPartition, Long> startEndOffsets;

    public AgentCatalog(String topic, Supplier<Consumer<String, Agent>> consumers) {
        super("agent-catalog-" + topic, consumers, POLL);
        this.topic = topic;
    }

    public Optional<Agent> find(String agentId) {
        return agentId == null ? Optional.empty() : Optional.ofNullable(agents.get(agentId));
    }

    public int size() {
        return agents.size();
    }

    /** True once every record up to the end offsets seen at start-up is in the view. */
    public boolean caughtUp() {
        return caughtUp;
    }

    /** Completes once the view has applied the record at {@code offset} of {@code partition}. */
    public CompletableFuture<Void> awaitApplied(int partition, long offset) {
        synchronized (lock) {
            if (appliedUpTo.getOrDefault(partition, 0L) > offset) {
                return CompletableFuture.completedFuture(null);
            }
            Waiter waiter = new Waiter(partition, offset, new CompletableFuture<>());
            waiters.add(waiter);
            return waiter.future;
        }
    }

    @Override
    protected void position(Consumer<String, Agent> c) {
        List<PartitionInfo> infos = c.partitionsFor(topic);
        if (infos == null || infos.isEmpty()) {
            throw new IllegalStateException("topic " + topic + " does not exist");
        }
        List<TopicPartition> partitions = infos.stream().map(i -> new TopicPartition(topic, i.partition())).toList();
        c.assign(partitions);
        c.seekToBeginning(partitions);
        startEndOffsets = c.endOffsets(partitions);
        log.info("Agent catalog reading {} up to start-up end offsets {}", topic, startEndOffsets);
    }

    @Override
    protected void onStopped() {
        synchronized (lock) {
            waiters.forEach(w -> w.future.completeExceptionally(new IllegalStateException("agent catalog stopped")));
            waiters.clear();
        }
    }

    @Override
    protected void handle(ConsumerRecord<String, Agent> record) {
        if (record.key() == null) {
            log.warn("Ignoring agent record without key at {}-{} offset {}", record.topic(), record.partition(), record.offset());
            return;
        }
        if (record.value() == null) {
            agents.remove(record.key());
        } else {
            agents.put(record.key(), record.value());
        }
    }

    /** Publishes how far the view has applied each partition, and whether it has caught up. */
    @Override
    protected void afterPoll(Consumer<String, Agent> c) {
        Map<Integer, Long> positions = new HashMap<>();
        boolean allCaughtUp = true;
        for (var entry : startEndOffsets.entrySet()) {
            long position = c.position(entry.getKey());
            positions.put(entry.getKey().partition(), position);
            allCaughtUp &= position >= entry.getValue();
        }
        synchronized (lock) {
            appliedUpTo.putAll(positions);
            waiters.removeIf(w -> {
                if (w.future.isDone()) {
                    return true;
                }
                if (appliedUpTo.getOrDefault(w.partition, 0L) > w.offset) {
                    w.future.complete(null);
                    return true;
                }
                return false;
            });
        }
        if (allCaughtUp && !caughtUp) {
            caughtUp = true;
            log.info("Agent catalog caught up: {} agents", agents.size());
        }
    }

    private record Waiter(int partition, long offset, CompletableFuture<Void> future) {
    }
}
