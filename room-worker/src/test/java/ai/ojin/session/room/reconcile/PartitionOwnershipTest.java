package ai.ojin.session.room.reconcile;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Clock;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.IntStream;
import org.apache.kafka.clients.consumer.MockConsumer;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;

class PartitionOwnershipTest {

    private static final String TOPIC = "session-events";

    @Test
    void shouldTellItsShareOfThePartitionsAtEveryChangeAndNeverLessThanOnePartition() {
        // given: a topic of 4 partitions, configured as 3 (what the worker knows before its first assignment)
        MockConsumer<String, String> consumer = new MockConsumer<>("earliest");
        consumer.updatePartitions(TOPIC, IntStream.range(0, 4)
                .mapToObj(p -> new PartitionInfo(TOPIC, p, null, null, null)).toList());
        List<Double> told = new CopyOnWriteArrayList<>();
        PartitionOwnership ownership = new PartitionOwnership(TOPIC, 3, told::add, Clock.systemUTC());
        assertThat(ownership.share()).as("before any assignment: one configured partition's worth").isEqualTo(1.0 / 3);

        // when: two partitions are assigned, then one is revoked, then the other
        ownership.assigned(consumer, List.of(new TopicPartition(TOPIC, 0), new TopicPartition(TOPIC, 1)));
        ownership.revoked(List.of(new TopicPartition(TOPIC, 0)));
        ownership.revoked(List.of(new TopicPartition(TOPIC, 1)));

        // then: 2 of 4, 1 of 4, and still 1 of 4 with none
        assertThat(told).containsExactly(0.5, 0.25, 0.25);
    }
}
