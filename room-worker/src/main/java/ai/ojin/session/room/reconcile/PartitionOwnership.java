package ai.ojin.session.room.reconcile;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.util.Collection;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.DoubleConsumer;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.utils.Utils;
import ai.ojin.session.room.jobs.JobConsumer;


/**
 * Which partitions of {@code session-events} this worker owns, and since when. Facts are keyed by
 * agent id with Kafka's default partitioner, so the agent of a room names its partition; a room
 * is ours to reconcile only when its partition was assigned here before the room was created
 * (the facts of that room's session then passed, or will pass, through this worker). Its
 * {@link #share()} of the partitions is this worker's share of shared budgets (Daily's rate limits),
 * told to a listener at every change of assignment.
 */
public class PartitionOwnership implements JobConsumer.RebalanceHook {

    private final String topic;
    private final int expectedPartitions;
    private final DoubleConsumer shareListener;
    private final Clock clock;
    private final Map<Integer, Instant> assignedSince = new ConcurrentHashMap<>();
    private volatile int partitionCount;

    public PartitionOwnership(String topic) {
        this(topic, 1, share -> { }, Clock.systemUTC());
    }

    /**
     * @param expectedPartitions the topic's partitions as configured, until an assignment tells
     * @param shareListener told {@link #share()} after every assignment and revocation
     * @param clock the time an assignment is recorded at
     */
    public PartitionOwnership(String topic, int expectedPartitions, DoubleConsumer shareListener, Clock clock) {
        this.topic = topic;
        this.clock = clock;
        this.expectedPartitions = expectedPartitions;
        this.shareListener = shareListener;
    }

    /**
     * The fraction of the topic's partitions owned here; before the first assignment, or owning
     * none, one partition's worth (a worker without partitions still ends rooms and fills its pool).
     */
    public double share() {
        int count = partitionCount > 0 ? partitionCount : expectedPartitions;
        return Math.min(count, Math.max(1, assignedSince.size())) / (double) count;
    }

    @Override
    public void assigned(Consumer<?, ?> consumer, Collection<TopicPartition> partitions) {
        Instant now = clock.instant();
        for (TopicPartition partition : partitions) {
            if (partition.topic().equals(topic)) {
                assignedSince.putIfAbsent(partition.partition(), now);
            }
        }
        partitionCount = consumer.partitionsFor(topic).size();
        shareListener.accept(share());
    }

    @Override
    public void revoked(Collection<TopicPartition> partitions) {
        partitions.forEach(p -> assignedSince.remove(p.partition()));
        shareListener.accept(share());
    }

    public boolean ownsAny() {
        return !assignedSince.isEmpty() && partitionCount > 0;
    }

    /** True when the agent's partition is owned here since before {@code createdAt}. */
    public boolean ownedBefore(String agentId, Instant createdAt) {
        Instant since = since(agentId);
        return since != null && !createdAt.isBefore(since);
    }

    /** True when the partition of {@code key} (an agent id, as facts are keyed) is owned here now. */
    public boolean owns(String key) {
        return since(key) != null;
    }

    private Instant since(String key) {
        int count = partitionCount;
        if (count <= 0) {
            return null;
        }
        return assignedSince.get(Utils.toPositive(Utils.murmur2(key.getBytes(StandardCharsets.UTF_8))) % count);
    }
}
