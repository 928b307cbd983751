package ai.ojin.session.audit;

import static org.awaitility.Awaitility.await;

import ai.ojin.session.events.SessionIds;
import ai.ojin.session.events.agent.Agent;
import ai.ojin.session.events.agent.AgentStatus;
import ai.ojin.session.events.command.EndReason;
import ai.ojin.session.events.command.MarkStarted;
import ai.ojin.session.events.command.ReleaseSession;
import ai.ojin.session.events.command.RequestSession;
import ai.ojin.session.events.command.SessionCommand;
import ai.ojin.session.events.fact.SessionEvent;
import ai.ojin.session.events.topic.SessionTopics;
import ai.ojin.session.processor.streams.ProcessorProperties;
import ai.ojin.session.processor.streams.StreamsProperties;
import ai.ojin.session.processor.topology.LeaseSettings;
import ai.ojin.session.processor.topology.SessionTopology;
import ai.ojin.session.testkit.TestKafka;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.function.UnaryOperator;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsBuilder;

/**
 * A real run of the processor's topology on the test broker, driven by the commands connect-api
 * and the room worker would send: admit, reject at the limit, start, end, a start lease that runs
 * out, a set-up failure.
 */
final class ScriptedRun implements AutoCloseable {

    static final String AGENT = "solo";
    /** Long enough for the script to mark a session started on a loaded machine, short enough to wait out. */
    static final Duration START_LEASE = Duration.ofSeconds(6);
    static final Duration PUNCTUATION = Duration.ofMillis(200);
    static final String USER = "user-42";

    final SessionTopics topics = TestKafka.newTopics();
    final String prefix = topics.events().name().substring(0, topics.events().name().length() - "session-events".length());
    final TopicTail facts = new TopicTail(topics.events().name());
    private final Clock clock = Clock.systemUTC();
    private final KafkaProducer<String, SessionCommand> commands;
    private final KafkaStreams streams;

    /** Sessions of the script: ended normally, rejected, lease expired, set-up failed. */
    final String completed = SessionIds.newSessionId(AGENT);
    final String rejected = SessionIds.newSessionId(AGENT);
    final String expired = SessionIds.newSessionId(AGENT);
    final String failed = SessionIds.newSessionId(AGENT);

    ScriptedRun(Path stateDir) {
        Map<String, Object> producer = Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, TestKafka.bootstrapServers(),
                ProducerConfig.LINGER_MS_CONFIG, 0, ProducerConfig.ACKS_CONFIG, "all");
        try (KafkaProducer<String, Agent> agents = new KafkaProducer<>(producer, new StringSerializer(),
                topics.agents().valueSerde().serializer())) {
            agents.send(topics.agents().record(AGENT,
                    new Agent(AGENT, AgentStatus.PUBLISHED, List.of("*"), 1, 600, clock.instant())));
        }
        commands = new KafkaProducer<>(producer, new StringSerializer(), topics.commands().valueSerde().serializer());
        LeaseSettings settings = LeaseSettings.DEFAULTS.withStartLease(START_LEASE).withPunctuateInterval(PUNCTUATION);
        Properties props = StreamsProperties.of(ProcessorProperties.defaults()
                .withApplicationId(TestKafka.uniqueId("processor"), stateDir.toString()), TestKafka.bootstrapServers(),
                (short) 1, Map.of());
        StreamsBuilder builder = new StreamsBuilder();
        SessionTopology.build(builder, topics, settings);
        streams = new KafkaStreams(builder.build(props), props);
    }

    /** Runs the script; returns once every fact of it is on the topic. */
    ScriptedRun run() {
        streams.start();
        await("processor running").atMost(Duration.ofSeconds(60)).until(() -> streams.state() == KafkaStreams.State.RUNNING);

        request(completed, USER);
        awaitFacts(2); // requested, admitted
        request(rejected, null);
        awaitFacts(4); // requested, rejected (limit 1)
        send(new MarkStarted(completed, AGENT, completed, "https://example.daily.co/" + completed, clock.instant()));
        awaitFacts(5); // started
        send(new ReleaseSession(completed, AGENT, EndReason.MEETING_ENDED, clock.instant()));
        awaitFacts(6); // ended
        request(expired, null);
        awaitFacts(8); // requested, admitted; never started
        awaitFacts(9); // ended(lease_expired) after the start lease
        request(failed, null);
        awaitFacts(11); // requested, admitted
        send(new ReleaseSession(failed, AGENT, EndReason.ROOM_CREATION_FAILED, clock.instant()));
        awaitFacts(12); // failed
        return this;
    }

    private void request(String sessionId, String user) {
        Instant now = clock.instant();
        send(new RequestSession(sessionId, AGENT, user, "https://shop.example.com", 0, now, now.plusSeconds(30)));
    }

    private void send(SessionCommand command) {
        commands.send(topics.commands().record(AGENT, command));
        commands.flush();
    }

    private void awaitFacts(int count) {
        await("fact #" + count).atMost(Duration.ofSeconds(30)).until(() -> facts.poll().size() >= count);
    }

    List<SessionEvent> factValues() {
        return facts.poll().stream().map(r -> topics.events().valueSerde().deserializer().deserialize("", r.value()))
                .toList();
    }

    /**
     * Copies agents, commands and facts to new topics (same partitions, keys and timestamps), each
     * fact through {@code alterFact} (raw JSON bytes in, bytes out). @return the copy's topic prefix
     */
    static String copy(ScriptedRun run, UnaryOperator<byte[]> alterFact) {
        SessionTopics target = TestKafka.newTopics();
        try (KafkaProducer<String, byte[]> producer = rawProducer()) {
            copy(producer, run.topics.agents().name(), target.agents().name(), UnaryOperator.identity());
            copy(producer, run.topics.commands().name(), target.commands().name(), UnaryOperator.identity());
            copy(producer, run.topics.events().name(), target.events().name(), alterFact);
        }
        return target.events().name().substring(0, target.events().name().length() - "session-events".length());
    }

    private static void copy(KafkaProducer<String, byte[]> producer, String from, String to, UnaryOperator<byte[]> alter) {
        try (TopicTail tail = new TopicTail(from)) {
            for (var r : tail.poll()) {
                producer.send(new ProducerRecord<>(to, r.partition(), r.timestamp(), r.key(), alter.apply(r.value())));
            }
        }
        producer.flush();
    }

    /** Appends a record to a topic as is. */
    static RecordMetadata append(String topic, String key, byte[] value) throws Exception {
        try (KafkaProducer<String, byte[]> producer = rawProducer()) {
            return producer.send(new ProducerRecord<>(topic, key, value)).get();
        }
    }

    private static KafkaProducer<String, byte[]> rawProducer() {
        return new KafkaProducer<>(Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, TestKafka.bootstrapServers(),
                ProducerConfig.ACKS_CONFIG, "all"), new StringSerializer(), new ByteArraySerializer());
    }

    @Override
    public void close() {
        streams.close(Duration.ofSeconds(30));
        commands.close();
        facts.close();
    }
}
