package ai.ojin.session.bench;

import ai.ojin.session.standalone.LocalKafkaBroker;
import java.net.ServerSocket;
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
        int port;
        try (ServerSocket socket = new ServerSocket(0)) {
            port = socket.getLocalPort();
        }
        Map<String, String> brokerOverrides = prefixed("broker.");
        try (LocalKafkaBroker broker = LocalKafkaBroker.start(dir.resolve("kafka"), port, brokerOverrides)) {
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
            Histogram histogram = new Histogram(3);
            Histogram begin = new Histogram(3);
            Histogram sends = new Histogram(3);
            Histogram offsets = new Histogram(3);
            Histogram commit = new Histogram(3);
            if (Boolean.getBoolean("plain")) {
                props.remove(ProducerConfig.TRANSACTIONAL_ID_CONFIG);
                try (KafkaProducer<String, String> producer = new KafkaProducer<>(props)) {
                    for (int i = 0; i < transactions * 5; i++) {
                        long start = System.nanoTime();
                        producer.send(new ProducerRecord<>(topics.get(0), "k", "v" + i)).get();
                        if (i >= transactions) {
                            histogram.recordValue((System.nanoTime() - start) / 1_000);
                        }
                    }
                }
                System.out.printf("plain send µs: p50 %d  p90 %d  p99 %d%n", histogram.getValueAtPercentile(50),
                        histogram.getValueAtPercentile(90), histogram.getValueAtPercentile(99));
                return;
            }
            try (KafkaProducer<String, String> producer = new KafkaProducer<>(props)) {
                producer.initTransactions();
                ConsumerGroupMetadata group = new ConsumerGroupMetadata("txn-bench-group");
                TopicPartition input = new TopicPartition(topics.get(0), 0);
                for (int i = 0; i < transactions; i++) {
                    long start = System.nanoTime();
                    producer.beginTransaction();
                    long t1 = System.nanoTime();
                    for (String topic : topics) {
                        producer.send(new ProducerRecord<>(topic, "k", "v" + i)).get();
                    }
                    long t2 = System.nanoTime();
                    producer.sendOffsetsToTransaction(Map.of(input, new OffsetAndMetadata(i)), group);
                    long t3 = System.nanoTime();
                    producer.commitTransaction();
                    long t4 = System.nanoTime();
                    if (i >= transactions / 5) {
                        histogram.recordValue((t4 - start) / 1_000);
                        begin.recordValue((t1 - start) / 1_000);
                        sends.recordValue((t2 - t1) / 1_000);
                        offsets.recordValue((t3 - t2) / 1_000);
                        commit.recordValue((t4 - t3) / 1_000);
                    }
                }
            }
            System.out.printf("transactions=%d partitions=%d broker=%s producer=%s%n",
                    histogram.getTotalCount(), partitions, brokerOverrides, prefixed("producer."));
            System.out.printf("commit cost µs: p50 %d  p90 %d  p99 %d  max %d  mean %.0f%n",
                    histogram.getValueAtPercentile(50), histogram.getValueAtPercentile(90),
                    histogram.getValueAtPercentile(99), histogram.getMaxValue(), histogram.getMean());
            System.out.printf("phase p50 µs: begin %d  sends %d  offsets %d  commit %d%n",
                    begin.getValueAtPercentile(50), sends.getValueAtPercentile(50),
                    offsets.getValueAtPercentile(50), commit.getValueAtPercentile(50));
        }
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
