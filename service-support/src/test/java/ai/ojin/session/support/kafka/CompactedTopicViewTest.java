package ai.ojin.session.support.kafka;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.MockConsumer;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.Node;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.RecordDeserializationException;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.record.TimestampType;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The view's engine driven turn by turn with a {@link MockConsumer} and a writer that acknowledges at given offsets. */
class CompactedTopicViewTest {

    private static final String TOPIC = "things";
    private static final TopicPartition P0 = new TopicPartition(TOPIC, 0);
    private static final TopicPartition P1 = new TopicPartition(TOPIC, 1);

    private final MockConsumer<String, String> consumer = new MockConsumer<>("earliest");
    private final List<String> changes = new ArrayList<>();
    /** The acknowledgement of the next write: (partition, offset), set by each test. */
    private final List<CompletableFuture<RecordMetadata>> acks = new ArrayList<>();
    private CompactedTopicView<String, String> view;

    @BeforeEach
    void setUp() {
        Node node = new Node(0, "localhost", 9092);
        consumer.updatePartitions(TOPIC, List.of(new PartitionInfo(TOPIC, 0, node, null, null),
                new PartitionInfo(TOPIC, 1, node, null, null)));
        consumer.updateBeginningOffsets(Map.of(P0, 0L, P1, 0L));
        view = new CompactedTopicView<>(TOPIC, () -> consumer, (key, value) -> {
            CompletableFuture<RecordMetadata> ack = new CompletableFuture<>();
            acks.add(ack);
            return ack;
        }, (key, before, after) -> changes.add(key + ":" + before + "->" + after), 0, Duration.ZERO);
    }

    @Test
    void shouldBeLoadedOnlyOnceEveryRecordBeforeTheStartIsApplied() throws Exception {
        // given: three records at start-up, one of them a later tombstone
        consumer.updateEndOffsets(Map.of(P0, 3L, P1, 0L));
        view.position(consumer);
        consumer.addRecord(record(P0, 0, "a", "1"));
        consumer.addRecord(record(P0, 1, "b", "1"));

        // when: a turn reads the first two
        view.step(consumer);

        // then: not loaded yet
        assertThat(view.loaded()).isFalse();
        assertThat(view.get("a")).contains("1");
        assertThat(view.size()).isEqualTo(2);

        // when: the tombstone comes
        consumer.addRecord(record(P0, 2, "a", null));
        view.step(consumer);

        // then
        assertThat(view.loaded()).isTrue();
        assertThat(view.get("a")).isEmpty();
        assertThat(view.get("b")).contains("1");
        assertThat(view.size()).isEqualTo(1);
        assertThat(changes).containsExactly("a:null->1", "b:null->1", "a:1->null");
    }

    @Test
    void shouldShowAnAcknowledgedWriteAtOnceAndNeverPutAnOlderValueBack() throws Exception {
        // given: a view that has read nothing of what others wrote
        consumer.updateEndOffsets(Map.of(P0, 0L, P1, 0L));
        view.position(consumer);
        view.step(consumer);

        // when: our write is acknowledged at offset 5
        CompletableFuture<Void> written = view.put("k", "ours");
        acks.get(0).complete(metadata(P0, 5));

        // then: the view has it as soon as the write completes
        assertThat(written).isCompleted();
        assertThat(view.get("k")).contains("ours");

        // when: the reader, behind, reads an older value of the key, then our record itself
        consumer.addRecord(record(P0, 3, "k", "older"));
        consumer.addRecord(record(P0, 5, "k", "ours"));
        view.step(consumer);

        // then: the older value never shows
        assertThat(view.get("k")).contains("ours");
        assertThat(changes).containsExactly("k:null->ours");

        // and: a later value from anyone replaces it
        consumer.addRecord(record(P0, 6, "k", "newer"));
        view.step(consumer);
        assertThat(view.get("k")).contains("newer");
    }

    @Test
    void shouldKeepAKeyWeDeletedDeletedWhileTheReaderIsBehindAndForgetTheMarkerOncePassed() throws Exception {
        // given: the key read at offset 0
        consumer.updateEndOffsets(Map.of(P0, 1L, P1, 0L));
        view.position(consumer);
        consumer.addRecord(record(P0, 0, "k", "v1"));
        view.step(consumer);
        assertThat(view.get("k")).contains("v1");

        // when: our tombstone is acknowledged at offset 4
        view.remove("k");
        acks.get(0).complete(metadata(P0, 4));

        // then
        assertThat(view.get("k")).isEmpty();
        assertThat(view.size()).isZero();

        // when: the reader reads a value written before our tombstone
        consumer.addRecord(record(P0, 2, "k", "v2"));
        view.step(consumer);

        // then: still deleted
        assertThat(view.get("k")).isEmpty();
        assertThat(view.size()).isZero();

        // when: the reader reaches the tombstone, then a new value of the key
        consumer.addRecord(record(P0, 4, "k", null));
        consumer.addRecord(record(P0, 7, "k", "v3"));
        view.step(consumer);

        // then
        assertThat(view.get("k")).contains("v3");
        assertThat(view.size()).isEqualTo(1);
        assertThat(changes).containsExactly("k:null->v1", "k:v1->null", "k:null->v3");
    }

    @Test
    void shouldForgetTheMarkerOfADeletionWhoseTombstoneWasCompactedAway() throws Exception {
        // given: our tombstone at offset 4 of a view that has read up to offset 1
        consumer.updateEndOffsets(Map.of(P0, 1L, P1, 0L));
        view.position(consumer);
        consumer.addRecord(record(P0, 0, "k", "v1"));
        view.step(consumer);
        view.remove("k");
        acks.get(0).complete(metadata(P0, 4));

        // when: the reader passes offset 4 without seeing it (compaction removed it)
        consumer.addRecord(record(P0, 6, "other", "x"));
        view.step(consumer);

        // then: the key is absent, and a later value of it shows
        assertThat(view.get("k")).isEmpty();
        consumer.addRecord(record(P0, 8, "k", "v9"));
        view.step(consumer);
        assertThat(view.get("k")).contains("v9");
    }

    @Test
    void shouldCompleteACaughtUpBarrierOnlyOnceTheEndOffsetsOfItsCallAreRead() throws Exception {
        // given: a loaded, empty view
        consumer.updateEndOffsets(Map.of(P0, 0L, P1, 0L));
        view.position(consumer);
        view.step(consumer);
        assertThat(view.loaded()).isTrue();

        // when: others wrote two records, then the barrier is asked for
        consumer.updateEndOffsets(Map.of(P0, 1L, P1, 1L));
        CompletableFuture<Void> barrier = view.caughtUp();
        consumer.addRecord(record(P0, 0, "a", "1"));
        view.step(consumer);

        // then: one partition is not read up to its end yet
        assertThat(barrier).isNotDone();

        // when
        consumer.addRecord(record(P1, 0, "b", "1"));
        view.step(consumer);

        // then
        assertThat(barrier).isCompleted();
        assertThat(view.get("b")).contains("1");
    }

    @Test
    void shouldSkipAnUnreadableRecordAndReadOn() throws Exception {
        // given
        consumer.updateEndOffsets(Map.of(P0, 2L, P1, 0L));
        view.position(consumer);
        consumer.setPollException(new RecordDeserializationException(RecordDeserializationException.DeserializationExceptionOrigin.VALUE,
                P0, 0, 0L, TimestampType.CREATE_TIME, ByteBuffer.wrap(new byte[] {1}), ByteBuffer.wrap(new byte[] {2}),
                new RecordHeaders(), "unreadable", new IllegalArgumentException("bad bytes")));

        // when
        view.step(consumer);
        consumer.addRecord(record(P0, 1, "good", "1"));
        view.step(consumer);

        // then
        assertThat(consumer.position(P0)).isEqualTo(2L);
        assertThat(view.get("good")).contains("1");
        assertThat(view.loaded()).isTrue();
    }

    @Test
    void shouldFailABarrierAskedForAfterTheViewStopped() {
        // given: a started view on a consumer that has nothing to read
        consumer.updateEndOffsets(Map.of(P0, 0L, P1, 0L));
        view.start();

        // when
        view.stop();

        // then
        assertThat(view.caughtUp()).isCompletedExceptionally();
        assertThat(view.isRunning()).isFalse();
    }

    private static ConsumerRecord<String, String> record(TopicPartition partition, long offset, String key, String value) {
        return new ConsumerRecord<>(partition.topic(), partition.partition(), offset, key, value);
    }

    private static RecordMetadata metadata(TopicPartition partition, long offset) {
        return new RecordMetadata(partition, offset, 0, 0L, 1, 1);
    }
}
