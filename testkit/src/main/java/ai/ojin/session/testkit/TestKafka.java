package ai.ojin.session.testkit;

import ai.ojin.session.events.topic.SessionTopics;
import ai.ojin.session.events.topic.TopicLayout;
import ai.ojin.session.events.topic.Topic;
import java.time.Duration;
import java.util.Set;
import java.util.HashSet;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.AlterConfigOp;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.config.TopicConfig;
import org.awaitility.Awaitility;
import org.apache.kafka.common.Node;
import org.apache.kafka.common.errors.TopicExistsException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.kafka.test.EmbeddedKafkaKraftBroker;
import org.testcontainers.DockerClientFactory;
import org.testcontainers.kafka.KafkaContainer;

/**
 * One real Kafka broker per test JVM, chosen once: a Testcontainers {@code apache/kafka} broker
 * when a Docker engine answers and the container starts, an in-JVM KRaft broker otherwise (no
 * Docker, or an image that cannot be pulled: said in the log). Tests isolate themselves with
 * {@link #newTopics()} (a unique topic prefix) and unique application/group ids.
 */
public final class TestKafka {

    private static final Logger log = LoggerFactory.getLogger(TestKafka.class);
    private static final AtomicInteger SEQUENCE = new AtomicInteger();

    /**
     * The test broker's settings: a single broker's replication factors; no latency traps (the
     * group coordinator's append linger, the add-partitions back-off and the initial rebalance
     * delay each add milliseconds to seconds to a test's hops); and one partition each for the
     * offsets and transaction-state topics instead of 50, which a single broker does not need (they
     * are created on first use in every test JVM: 0.6–0.8 CPU-seconds more per broker with 50).
     */
    private static final Map<String, String> BROKER_SETTINGS = Map.of(
            "group.coordinator.append.linger.ms", "0",
            "add.partitions.to.txn.retry.backoff.ms", "1",
            "group.initial.rebalance.delay.ms", "0",
            "transaction.state.log.replication.factor", "1",
            "transaction.state.log.min.isr", "1",
            "transaction.state.log.num.partitions", "1",
            "offsets.topic.replication.factor", "1",
            "offsets.topic.num.partitions", "1",
            "auto.create.topics.enable", "false");

    private static String bootstrapServers;

    private TestKafka() {
    }

    public static synchronized String bootstrapServers() {
        if (bootstrapServers == null) {
            bootstrapServers = chooseBroker(() -> DockerClientFactory.instance().isDockerAvailable(),
                    TestKafka::startContainer, TestKafka::startEmbedded);
        }
        return bootstrapServers;
    }

    /**
     * The broker choice: the container when a Docker engine answers and the container starts (its
     * image may not be pullable: a machine with Docker but without access to an image registry),
     * the in-JVM broker otherwise. Each supplier returns the bootstrap servers of what it started.
     */
    static String chooseBroker(BooleanSupplier dockerAvailable, Supplier<String> startContainer, Supplier<String> startEmbedded) {
        if (!dockerAvailable.getAsBoolean()) {
            return startEmbedded.get();
        }
        String servers;
        try {
            servers = startContainer.get();
        } catch (RuntimeException e) {
            log.warn("A Docker engine answers but the Kafka container did not start ({}); falling back to the "
                    + "in-JVM KRaft broker", e.toString());
            return startEmbedded.get();
        }
        return servers;
    }

    /** Topic descriptors under a prefix no other test uses, created on the broker. */
    public static SessionTopics newTopics() {
        return newTopics(TopicLayout.LOCAL);
    }

    public static SessionTopics newTopics(TopicLayout layout) {
        SessionTopics topics = SessionTopics.withPrefix(uniqueId("t") + ".");
        createTopics(topics, layout);
        return topics;
    }

    /** A name no other test in this JVM (or an earlier run against the same broker) uses. */
    public static String uniqueId(String prefix) {
        return prefix + "-" + SEQUENCE.incrementAndGet() + "-" + UUID.randomUUID().toString().substring(0, 8);
    }

    public static void createTopics(SessionTopics topics, TopicLayout layout) {
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers()))) {
            var newTopics = topics.newTopics(layout);
            admin.createTopics(newTopics).all().get();
            // The controller has committed the topics; wait until the broker serves their metadata.
            var names = newTopics.stream().map(NewTopic::name).toList();
            Awaitility.await("topics " + names + " visible").atMost(Duration.ofSeconds(30))
                    .until(() -> admin.listTopics().names().get().containsAll(names));
            // ...and until every partition has a leader: a producer that writes before then can get
            // NOT_LEADER_OR_FOLLOWER and, after its retries, lose records to out-of-order sequences.
            Awaitility.await("leaders of " + names).atMost(Duration.ofSeconds(30))
                    .until(() -> admin.describeTopics(names).allTopicNames().get().values().stream()
                            .flatMap(description -> description.partitions().stream())
                            .allMatch(partition -> partition.leader() != null && !partition.isr().isEmpty()));
            // ...and until every broker holds the logs of its partitions: the metadata can name a leader
            // before that broker has made the partition's log (a produce then gets NOT_LEADER_OR_FOLLOWER,
            // and an idempotent producer was seen stuck on OUT_OF_ORDER_SEQUENCE_NUMBER after it).
            awaitLogs(admin, names);
        } catch (ExecutionException e) {
            if (!(e.getCause() instanceof TopicExistsException)) {
                throw new IllegalStateException("cannot create topics", e.getCause());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /**
     * Makes the test broker refuse every write to {@code topic} (its {@code max.message.bytes} set
     * to 64, smaller than any record we write), until {@link #acceptWritesTo}: a fault of one topic.
     */
    public static void refuseWritesTo(String topic) {
        setMaxMessageBytes(topic, "64");
    }

    /** Undoes {@link #refuseWritesTo}: Kafka's default {@code max.message.bytes} again. */
    public static void acceptWritesTo(String topic) {
        setMaxMessageBytes(topic, "1048588");
    }

    /** Sets the topic's limit and waits until the broker reports it (it applies the change a moment after the controller). */
    private static void setMaxMessageBytes(String topic, String value) {
        ConfigResource resource = new ConfigResource(ConfigResource.Type.TOPIC, topic);
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers()))) {
            admin.incrementalAlterConfigs(Map.of(resource, List.of(new AlterConfigOp(
                    new ConfigEntry(TopicConfig.MAX_MESSAGE_BYTES_CONFIG, value), AlterConfigOp.OpType.SET)))).all().get();
            Awaitility.await("max.message.bytes of " + topic).atMost(Duration.ofSeconds(30)).until(() -> value.equals(
                    admin.describeConfigs(List.of(resource)).all().get().get(resource)
                            .get(TopicConfig.MAX_MESSAGE_BYTES_CONFIG).value()));
        } catch (ExecutionException e) {
            throw new IllegalStateException("cannot set max.message.bytes of " + topic, e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private static void awaitLogs(Admin admin, List<String> names) throws ExecutionException, InterruptedException {
        Set<TopicPartition> wanted = new HashSet<>();
        admin.describeTopics(names).allTopicNames().get().forEach((name, description) ->
                description.partitions().forEach(p -> wanted.add(new TopicPartition(name, p.partition()))));
        List<Integer> brokers = admin.describeCluster().nodes().get().stream().map(Node::id).toList();
        Awaitility.await("logs of " + names).atMost(Duration.ofSeconds(30)).until(() -> {
            Set<TopicPartition> held = new HashSet<>();
            admin.describeLogDirs(brokers).allDescriptions().get().values().forEach(dirs ->
                    dirs.values().forEach(dir -> held.addAll(dir.replicaInfos().keySet())));
            return held.containsAll(wanted);
        });
    }

    /**
     * Every committed record of the topic, partition by partition in offset order, read from the
     * beginning up to the end offsets at the time of the call ({@code read_committed}).
     */
    public static <K, V> List<ConsumerRecord<K, V>> readAll(Topic<K, V> topic) {
        return readAll(bootstrapServers(), topic);
    }

    /** {@link #readAll(Topic)} on another cluster. */
    public static <K, V> List<ConsumerRecord<K, V>> readAll(String bootstrapServers, Topic<K, V> topic) {
        try (KafkaConsumer<K, V> consumer = new KafkaConsumer<>(Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers,
                ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed",
                ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false),
                topic.keySerde().deserializer(), topic.valueSerde().deserializer())) {
            List<TopicPartition> partitions = consumer.partitionsFor(topic.name()).stream()
                    .map(p -> new TopicPartition(p.topic(), p.partition())).toList();
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            Map<TopicPartition, Long> end = consumer.endOffsets(partitions);
            List<ConsumerRecord<K, V>> records = new ArrayList<>();
            Awaitility.await("all of " + topic.name()).atMost(Duration.ofSeconds(30)).until(() -> {
                consumer.poll(Duration.ofMillis(100)).forEach(records::add);
                return partitions.stream().allMatch(p -> consumer.position(p) >= end.get(p));
            });
            records.sort(Comparator.<ConsumerRecord<K, V>>comparingInt(ConsumerRecord::partition)
                    .thenComparingLong(ConsumerRecord::offset));
            return records;
        }
    }

    private static String startEmbedded() {
        EmbeddedKafkaKraftBroker broker = new EmbeddedKafkaKraftBroker(1, 1);
        broker.brokerProperties(BROKER_SETTINGS);
        broker.afterPropertiesSet();
        Runtime.getRuntime().addShutdownHook(new Thread(broker::destroy, "test-kafka-stop"));
        log.info("Test broker: in-JVM KRaft at {} (no Docker engine)", broker.getBrokersAsString());
        return broker.getBrokersAsString();
    }

    private static String startContainer() {
        KafkaContainer container = new KafkaContainer("apache/kafka:4.1.2");
        BROKER_SETTINGS.forEach((key, value) -> container.withEnv("KAFKA_" + key.toUpperCase().replace('.', '_'), value));
        try {
            container.start();
        } catch (RuntimeException e) {
            container.close();
            throw e;
        }
        Runtime.getRuntime().addShutdownHook(new Thread(container::stop, "test-kafka-stop"));
        log.info("Test broker: Testcontainers apache/kafka at {}", container.getBootstrapServers());
        return container.getBootstrapServers();
    }
}
