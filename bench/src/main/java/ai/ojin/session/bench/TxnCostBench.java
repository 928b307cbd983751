package ai.ojin.session.bench;

import ai.ojin.session.standalone.LocalKafkaBroker;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.HdrHistogram.Histogram;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerGroupMetadata;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * What one exactly-once commit costs on the local broker, without Streams around it: a
 * transactional producer writes one record to each of N topics, adds a consumer offset and
 * commits, in a loop, and prints the cost of each phase. Broker and producer settings come from
 * system properties ({@code -Dbroker.x=y}, {@code -Dproducer.x=y}) so a setting can be tried
 * without a rebuild; {@code -Dplain=true} times plain (non-transactional) sends instead.
 *
 * <pre>bench/run.sh TxnCostBench 500 6</pre>
 */
public final class TxnCostBench {

    public static void main(String[] args) throws Exception {
        int transactions = args.length > 0 ? Integer.parseInt(args[0]) : 500;
        int partitions = args.length > 1 ? Integer.parseInt(args[1]) : 6;
        Path dir = Files.createTempDirectory("txn-bench");
        Map<String, String> brokerOverrides = prefixed("broker.");
        try (LocalKafkaBroker broker = LocalKafkaBroker.start(dir.resolve("kafka"), ConnectBench.freePort(), brokerOverrides)) {
            List<String> topics = new ArrayList<>();
            for (int i = 0; i < partitions; i++) {
                topics.add("txn-bench-" + i);
            }
            try (Admin admin = Admin.create(Map.of("bootstrap.servers", broker.bootstrapServers()))) {
                admin.createTopics(topics.stream().map(t -> new NewTopic(t, 1, (short) 1)).toList()).all().get();
            }
            Properties props = new Properties();
            props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers());
            props.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, "txn-bench");
            props.put(ProducerConfig.LINGER_MS_CONFIG, "0");
            props.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class);
            props.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class);
            props.putAll(prefixed("producer."));
            if (Boolean.getBoolean("plain")) {
                props.remove(ProducerConfig.TRANSACTIONAL_ID_CONFIG);
                plainSends(props, topics.get(0), transactions * 5);
            } else {
                transactions(props, topics, transactions);
                System.out.printf("partitions=%d broker=%s producer=%s%n", partitions, brokerOverrides, prefixed("producer."));
            }
        }
    }

    /** The floor: one idempotent send at a time, waiting for each; the first fifth is warm-up. */
    private static void plainSends(Properties props, String topic, int count) throws Exception {
        Histogram histogram = new Histogram(3);
        try (KafkaProducer<String, String> producer = new KafkaProducer<>(props)) {
            for (int i = 0; i < count; i++) {
                long start = System.nanoTime();
                producer.send(new ProducerRecord<>(topic, "k", "v" + i)).get();
                if (i >= count / 5) {
                    histogram.recordValue((System.nanoTime() - start) / 1_000);
                }
            }
        }
        System.out.printf("plain send µs: p50 %d  p90 %d  p99 %d%n", histogram.getValueAtPercentile(50),
                histogram.getValueAtPercentile(90), histogram.getValueAtPercentile(99));
    }

    /** Transactions of one record per topic plus an offset, each phase timed; the first fifth is warm-up. */
    private static void transactions(Properties props, List<String> topics, int count) {
        Histogram histogram = new Histogram(3);
        Histogram sends = new Histogram(3);
        Histogram offsets = new Histogram(3);
        Histogram commit = new Histogram(3);
        try (KafkaProducer<String, String> producer = new KafkaProducer<>(props)) {
            producer.initTransactions();
            ConsumerGroupMetadata group = new ConsumerGroupMetadata("txn-bench-group");
            TopicPartition input = new TopicPartition(topics.get(0), 0);
            for (int i = 0; i < count; i++) {
                long start = System.nanoTime();
                producer.beginTransaction();
                for (String topic : topics) {
                    producer.send(new ProducerRecord<>(topic, "k", "v" + i)).get();
                }
                long sent = System.nanoTime();
                producer.sendOffsetsToTransaction(Map.of(input, new OffsetAndMetadata(i)), group);
                long offsetsAdded = System.nanoTime();
                producer.commitTransaction();
                long end = System.nanoTime();
                if (i >= count / 5) {
                    histogram.recordValue((end - start) / 1_000);
                    sends.recordValue((sent - start) / 1_000);
                    offsets.recordValue((offsetsAdded - sent) / 1_000);
                    commit.recordValue((end - offsetsAdded) / 1_000);
                }
            }
        } catch (java.util.concurrent.ExecutionException e) {
            throw new IllegalStateException("a transactional send failed", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
        System.out.printf("transactions=%d commit cost µs: p50 %d  p90 %d  p99 %d  max %d  mean %.0f%n",
                histogram.getTotalCount(), histogram.getValueAtPercentile(50), histogram.getValueAtPercentile(90),
                histogram.getValueAtPercentile(99), histogram.getMaxValue(), histogram.getMean());
        System.out.printf("phase p50 µs: sends %d  offsets %d  commit %d%n", sends.getValueAtPercentile(50),
                offsets.getValueAtPercentile(50), commit.getValueAtPercentile(50));
    }

    private static Map<String, String> prefixed(String prefix) {
        Map<String, String> result = new java.util.TreeMap<>();
        System.getProperties().forEach((k, v) -> {
            if (k.toString().startsWith(prefix)) {
                result.put(k.toString().substring(prefix.length()), v.toString());
            }
        });
        return result;
    }
}
