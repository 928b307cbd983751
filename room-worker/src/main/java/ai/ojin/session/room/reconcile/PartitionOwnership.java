package ai.ojin.session.room.reconcile;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Collection;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.utils.Utils;
import ai.ojin.session.room.jobs.JobConsumer;


/**
 * Which partitions of {@code session-events} this worker owns, and since when. Facts are keyed by
 * agent id with Kafka's default partitioner, so the agent of a room names its partition; a room
 * is ours to reconcile only when its partition was assigned here before the room was created
 * (the facts of that room's session then passed, or will pass, through this worker).
 */
public class PartitionOwnership implements JobConsumer.RebalanceHook {

    private final String topic;
    private final Map<Integer, Instant> assignedSince = new ConcurrentHashMap<>();
    private volatile int partitionCount;

    public PartitionOwnership(String topic) {
        this.topic = topic;
    }

    @Override
    public void assigned(Consumer<?, ?> consumer, Collection<TopicPartition> partitions) {
        Instant now = Instant.now();
        for (TopicPartition partition : partitions) {
            if (partition.topic().equals(topic)) {
                assignedSince.putIfAbsent(partition.partition(), now);
            }
        }
        partitionCount = consumer.partitionsFor(topic).size();
    }

    @Override
    public void revoked(Collection<TopicPartition> partitions) {
        partitions.forEach(p -> assignedSince.remove(p.partition()));
    }

    public boolean ownsAny() {
        return !assignedSince.isEmpty() && partitionCount > 0;
    }

    /** True when the agent's partition is owned here since before {@code createdAt}. */
    public boolean ownedBefore(String agentId, Instant createdAt) {
        int count = partitionCount;
        if (count <= 0) {
            return false;
        }
        int partition = Utils.toPositive(Utils.murmur2(agentId.getBytes(StandardCharsets.UTF_8))) % count;
        Instant since = assignedSince.get(partition);
        return since != null && !createdAt.isBefore(since);
    }
}
