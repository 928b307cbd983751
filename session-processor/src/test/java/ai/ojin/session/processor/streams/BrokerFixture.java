package ai.ojin.session.processor.streams;

import ai.ojin.session.events.agent.Agent;
import ai.ojin.session.events.agent.AgentStatus;
import ai.ojin.session.events.command.SessionCommand;
import ai.ojin.session.events.fact.SessionEvent;
import ai.ojin.session.events.reply.SessionReply;
import ai.ojin.session.events.topic.SessionTopics;
import ai.ojin.session.processor.topology.SessionTopology;
import ai.ojin.session.processor.topology.LeaseSettings;
import ai.ojin.session.testkit.TestKafka;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.CopyOnWriteArrayList;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.common.utils.Utils;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsBuilder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Producers for agents and commands and a read_committed collector of facts and replies. */
public final class BrokerFixture implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(BrokerFixture.class);

    /** A record read back, with the moment it was seen. */
    record Seen<V>(int partition, String key, V value, long nanos) {
    }

    final SessionTopics topics;
    final int partitions;
    private final KafkaProducer<String, Agent> agents;
    private final KafkaProducer<String, SessionCommand> commands;
    private final KafkaConsumer<byte[], byte[]> consumer;
    private final Thread collector;
    private final List<Seen<SessionEvent>> facts = new CopyOnWriteArrayList<>();
    private final List<Seen<SessionReply>> replies = new CopyOnWriteArrayList<>();
    private volatile boolean running = true;

    BrokerFixture() {
        this(TestKafka.newTopics());
    }

    /** On topics that exist already (created by the test or by the application under test). */
    public BrokerFixture(SessionTopics topics) {
        this.topics = topics;
        partitions = 3;
        Map<String, Object> producer = Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, TestKafka.bootstrapServers(),
                ProducerConfig.LINGER_MS_CONFIG, 0, ProducerConfig.ACKS_CONFIG, "all");
        agents = new KafkaProducer<>(producer, new StringSerializer(), topics.agents().valueSerde().serializer());
        commands = new KafkaProducer<>(producer, new StringSerializer(), topics.commands().valueSerde().serializer());
        consumer = new KafkaConsumer<>(Map.of(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, TestKafka.bootstrapServers(),
                ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed"), new ByteArrayDeserializer(), new ByteArrayDeserializer());
        List<TopicPartition> assigned = new ArrayList<>();
        for (String topic : List.of(topics.events().name(), topics.replies().name())) {
            org.awaitility.Awaitility.await("topic " + topic).atMost(Duration.ofSeconds(30))
                    .until(() -> !consumer.partitionsFor(topic).isEmpty());
            consumer.partitionsFor(topic).forEach(p -> assigned.add(new TopicPartition(topic, p.partition())));
        }
        consumer.assign(assigned);
        consumer.seekToBeginning(assigned);
        collector = new Thread(this::collect, "fact-collector");
        collector.start();
    }

    private void collect() {
        try {
            while (running) {
                for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(20))) {
                    long nanos = System.nanoTime();
                    String key = r.key() == null ? null : new String(r.key(), StandardCharsets.UTF_8);
                    if (r.topic().equals(topics.events().name())) {
                        facts.add(new Seen<>(r.partition(), key, topics.events().valueSerde().deserializer()
                                .deserialize(r.topic(), r.value()), nanos));
                    } else {
                        replies.add(new Seen<>(r.partition(), key, topics.replies().valueSerde().deserializer()
                                .deserialize(r.topic(), r.value()), nanos));
                    }
                }
            }
        } catch (WakeupException e) {
            // closing
        } catch (RuntimeException e) {
            log.error("Collector failed", e);
            throw e;
        } finally {
            consumer.close();
        }
    }

    /** Agent ids, one per partition of the agent-keyed topics first, then more. */
    List<String> agentIdsCoveringAllPartitions(int count) {
        List<String> ids = new ArrayList<>();
        boolean[] covered = new boolean[partitions];
        for (int i = 0; ids.size() < Math.min(count, partitions); i++) {
            String id = "agent" + i;
            int p = partitionOf(id);
            if (!covered[p]) {
                covered[p] = true;
                ids.add(id);
            }
        }
        for (int i = 100; ids.size() < count; i++) {
            ids.add("agent" + i);
        }
        return ids;
    }

    int partitionOf(String agentId) {
        return Utils.toPositive(Utils.murmur2(agentId.getBytes(StandardCharsets.UTF_8))) % partitions;
    }

    public void publishAgent(String agentId, int maxConcurrency) {
        agents.send(topics.agents().record(agentId,
                new Agent(agentId, AgentStatus.PUBLISHED, List.of("*"), maxConcurrency, 600, Instant.now())));
        agents.flush();
    }

    public void send(SessionCommand command) {
        commands.send(topics.commands().record(command.agentId(), command), (md, e) -> {
            if (e != null) {
                log.error("Cannot send {}", command, e);
            }
        });
    }

    public void flush() {
        commands.flush();
    }

    List<Seen<SessionEvent>> facts() {
        return List.copyOf(facts);
    }

    public List<SessionEvent> factValues() {
        return facts.stream().map(Seen::value).toList();
    }

    List<Seen<SessionReply>> replies() {
        return List.copyOf(replies);
    }

    /** A Streams client of the real topology with the processor's real configuration. */
    KafkaStreams streams(ProcessorProperties processor, LeaseSettings settings) {
        Properties props = StreamsProperties.of(processor, TestKafka.bootstrapServers(), (short) 1, Map.of());
        StreamsBuilder builder = new StreamsBuilder();
        SessionTopology.build(builder, topics, settings);
        return new KafkaStreams(builder.build(props), props);
    }

    @Override
    public void close() throws InterruptedException {
        running = false;
        consumer.wakeup();
        collector.join(10_000);
        agents.close();
        commands.close();
    }
}
