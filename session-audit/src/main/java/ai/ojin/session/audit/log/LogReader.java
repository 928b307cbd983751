package ai.ojin.session.audit.log;

import ai.ojin.session.events.topic.Topic;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import org.apache.kafka.clients.consumer.CloseOptions;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.utils.Utils;

/**
 * Reads a topic from its first offset to its end as of the start of the read ({@code read_committed},
 * no consumer group, nothing committed), keeping partition and offset of every record. A record
 * whose value cannot be read is kept with the reason instead of failing the read. Progress goes to
 * stderr.
 */
public final class LogReader {

    private static final int BATCH = 500;

    private final ClusterOptions cluster;
    private final PrintWriter err;
    private final Clock clock;

    public LogReader(ClusterOptions cluster, PrintWriter err) {
        this(cluster, err, Clock.systemUTC());
    }

    LogReader(ClusterOptions cluster, PrintWriter err, Clock clock) {
        this.cluster = cluster;
        this.err = err;
        this.clock = clock;
    }

    /** Every record of the topic, in offset order per partition, partitions one after another. */
    public <V> List<Logged<V>> readAll(Topic<String, V> topic) {
        List<Logged<V>> all = new ArrayList<>();
        read(topic, null, all::addAll);
        all.sort(Comparator.<Logged<V>>comparingInt(Logged::partition).thenComparingLong(Logged::offset));
        return all;
    }

    /** Only the partition that records with this key go to (the default partitioner's choice). */
    public <V> List<Logged<V>> readKey(Topic<String, V> topic, String key) {
        List<Logged<V>> all = new ArrayList<>();
        read(topic, key, all::addAll);
        all.sort(Comparator.comparingLong(Logged::offset));
        return all;
    }

    /**
     * Streams the topic in batches of at most {@value #BATCH} records.
     *
     * @param key when not null, only the partition of this key is read
     */
    public <V> void read(Topic<String, V> topic, String key, Consumer<List<Logged<V>>> batches) {
        try {
            KafkaConsumer<byte[], byte[]> consumer = consumer();
            try {
                List<TopicPartition> partitions = partitions(consumer, topic.name(), key);
                consumer.assign(partitions);
                Map<TopicPartition, Long> begin = consumer.beginningOffsets(partitions, cluster.timeout());
                Map<TopicPartition, Long> end = consumer.endOffsets(partitions, cluster.timeout());
                consumer.seekToBeginning(partitions);
                long total = partitions.stream().mapToLong(tp -> end.get(tp) - begin.get(tp)).sum();
                Progress progress = new Progress(err, topic.name(), total, clock);
                long lastProgressMs = clock.millis();
                while (partitions.stream().anyMatch(tp -> consumer.position(tp, cluster.timeout()) < end.get(tp))) {
                    ConsumerRecords<byte[], byte[]> polled = consumer.poll(Duration.ofMillis(200));
                    List<Logged<V>> batch = new ArrayList<>(polled.count());
                    for (ConsumerRecord<byte[], byte[]> r : polled) {
                        TopicPartition tp = new TopicPartition(r.topic(), r.partition());
                        if (r.offset() < end.get(tp)) {
                            batch.add(decode(topic, r));
                        }
                    }
                    if (!batch.isEmpty()) {
                        lastProgressMs = clock.millis();
                        progress.add(batch.size());
                        for (int i = 0; i < batch.size(); i += BATCH) {
                            batches.accept(batch.subList(i, Math.min(batch.size(), i + BATCH)));
                        }
                    } else if (clock.millis() - lastProgressMs > cluster.timeout().toMillis()) {
                        throw new CannotReadException("no progress reading " + topic.name() + " for " + cluster.timeout());
                    }
                }
                progress.done();
            } finally {
                consumer.close(CloseOptions.timeout(Duration.ofSeconds(1)));
            }
        } catch (KafkaException e) {
            throw new CannotReadException("cannot read " + topic.name() + " from " + cluster.bootstrapServers() + ": "
                    + e.getMessage(), e);
        }
    }

    private static List<TopicPartition> partitions(KafkaConsumer<byte[], byte[]> consumer, String topic, String key) {
        List<PartitionInfo> infos = consumer.partitionsFor(topic);
        if (infos == null || infos.isEmpty()) {
            throw new CannotReadException("topic " + topic + " does not exist");
        }
        if (key != null) {
            int p = Utils.toPositive(Utils.murmur2(key.getBytes(StandardCharsets.UTF_8))) % infos.size();
            return List.of(new TopicPartition(topic, p));
        }
        return infos.stream().map(i -> new TopicPartition(topic, i.partition()))
                .sorted(Comparator.comparingInt(TopicPartition::partition)).toList();
    }

    private static <V> Logged<V> decode(Topic<String, V> topic, ConsumerRecord<byte[], byte[]> r) {
        String key = r.key() == null ? null : new String(r.key(), StandardCharsets.UTF_8);
        Instant timestamp = Instant.ofEpochMilli(r.timestamp());
        if (r.value() == null) {
            return new Logged<>(r.partition(), r.offset(), timestamp, key, null, null);
        }
        try {
            V value = topic.valueSerde().deserializer().deserialize(r.topic(), r.value());
            return new Logged<>(r.partition(), r.offset(), timestamp, key, value, null);
        } catch (RuntimeException e) {
            return new Logged<>(r.partition(), r.offset(), timestamp, key, null, String.valueOf(e.getMessage()));
        }
    }

    private KafkaConsumer<byte[], byte[]> consumer() {
        Map<String, Object> props = new HashMap<>();
        props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, cluster.bootstrapServers());
        props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        props.put(ConsumerConfig.ALLOW_AUTO_CREATE_TOPICS_CONFIG, false);
        props.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        props.put(ConsumerConfig.CLIENT_ID_CONFIG, "session-audit");
        props.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 5000);
        int timeoutMs = (int) Math.min(Integer.MAX_VALUE, cluster.timeout().toMillis());
        props.put(ConsumerConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, timeoutMs);
        props.put(ConsumerConfig.REQUEST_TIMEOUT_MS_CONFIG, Math.min(timeoutMs, 30_000));
        props.putAll(cluster.extraConsumerProperties());
        return new KafkaConsumer<>(props, new ByteArrayDeserializer(), new ByteArrayDeserializer());
    }
}
