package ai.ojin.session.connect.support;

import ai.ojin.session.events.command.Heartbeat;
import ai.ojin.session.events.command.LinePosition;
import ai.ojin.session.events.command.ReleaseSession;
import ai.ojin.session.events.command.RequestSession;
import ai.ojin.session.events.command.SessionCommand;
import ai.ojin.session.events.reply.SessionReply;
import ai.ojin.session.events.topic.SessionTopics;
import ai.ojin.session.testkit.TestKafka;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Function;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;

/**
 * Stands in for the processor and worker: a real consumer of the test's {@code session-commands}
 * that answers each command with the reply its script gives (null = no answer), written to the
 * reply partition named in the command, over the real broker. Heartbeats are answered like the
 * processor does when the script answers them, and are not listed in {@link #commands()}.
 */
public final class TestPipeline implements AutoCloseable {

    private final SessionTopics topics;
    private final Function<SessionCommand, SessionReply> script;
    private final KafkaConsumer<String, SessionCommand> consumer;
    private final KafkaProducer<String, SessionReply> producer;
    private final List<ConsumerRecord<String, SessionCommand>> seen = new CopyOnWriteArrayList<>();
    private final Thread thread;
    private volatile boolean running = true;

    private TestPipeline(SessionTopics topics, Function<SessionCommand, SessionReply> script) {
        this.topics = topics;
        this.script = script;
        this.consumer = new KafkaConsumer<>(Map.of(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, TestKafka.bootstrapServers(),
                ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false), topics.commands().keySerde().deserializer(),
                topics.commands().valueSerde().deserializer());
        this.producer = new KafkaProducer<>(Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, TestKafka.bootstrapServers(),
                ProducerConfig.LINGER_MS_CONFIG, 0), topics.replies().keySerde().serializer(), topics.replies().valueSerde().serializer());
        List<TopicPartition> partitions = consumer.partitionsFor(topics.commands().name()).stream()
                .map(p -> new TopicPartition(p.topic(), p.partition())).toList();
        consumer.assign(partitions);
        consumer.seekToBeginning(partitions);
        partitions.forEach(consumer::position);
        this.thread = new Thread(this::run, "test-pipeline");
        thread.setDaemon(true);
        thread.start();
    }

    public static TestPipeline start(SessionTopics topics, Function<SessionCommand, SessionReply> script) {
        return new TestPipeline(topics, script);
    }

    private void run() {
        try {
            while (running) {
                for (ConsumerRecord<String, SessionCommand> record : consumer.poll(Duration.ofMillis(200))) {
                    if (!(record.value() instanceof Heartbeat)) {
                        seen.add(record);
                    }
                    SessionReply reply = script.apply(record.value());
                    Integer partition = replyPartitionOf(record.value());
                    if (reply != null && partition != null) {
                        producer.send(topics.replies().record(partition, reply.waitingId(), reply));
                    }
                }
            }
        } catch (WakeupException e) {
            // closing
        } finally {
            consumer.close();
            producer.close();
        }
    }

    private static Integer replyPartitionOf(SessionCommand command) {
        if (command instanceof RequestSession request) {
            return request.replyPartition();
        }
        if (command instanceof ReleaseSession release) {
            return release.replyPartition();
        }
        if (command instanceof Heartbeat heartbeat) {
            return heartbeat.replyPartition();
        }
        if (command instanceof LinePosition query) {
            return query.replyPartition();
        }
        return null;
    }

    /** Writes {@code reply} to a reply partition, as the worker would. */
    public void reply(int partition, SessionReply reply) {
        try {
            producer.send(topics.replies().record(partition, reply.waitingId(), reply)).get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        } catch (java.util.concurrent.ExecutionException e) {
            throw new IllegalStateException(e.getCause());
        }
    }

    public List<ConsumerRecord<String, SessionCommand>> records() {
        return List.copyOf(seen);
    }

    public List<SessionCommand> commands() {
        return seen.stream().map(ConsumerRecord::value).toList();
    }

    @Override
    public void close() throws InterruptedException {
        running = false;
        consumer.wakeup();
        thread.join(10_000);
    }
}
