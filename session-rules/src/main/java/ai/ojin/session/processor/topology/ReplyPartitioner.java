package ai.ojin.session.processor.topology;

import java.util.Optional;
import java.util.Set;
import org.apache.kafka.streams.processor.StreamPartitioner;

/** Sends each reply to the partition its waiting connect-api instance reads (modulo the count). */
final class ReplyPartitioner implements StreamPartitioner<String, Output.Reply> {

    @Override
    public Optional<Set<Integer>> partitions(String topic, String key, Output.Reply value, int numPartitions) {
        return Optional.of(Set.of(Math.floorMod(value.partition(), numPartitions)));
    }
}
