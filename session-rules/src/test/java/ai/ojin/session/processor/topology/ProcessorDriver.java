package ai.ojin.session.processor.topology;

import ai.ojin.session.events.SessionIds;
import ai.ojin.session.events.agent.Agent;
import ai.ojin.session.events.agent.AgentStatus;
import ai.ojin.session.events.command.EndReason;
import ai.ojin.session.events.command.MarkStarted;
import ai.ojin.session.events.command.ParticipantPresence;
import ai.ojin.session.events.command.ParticipantPresence.Change;
import ai.ojin.session.events.command.ParticipantPresence.Role;
import ai.ojin.session.events.command.ReleaseSession;
import ai.ojin.session.events.command.RequestSession;
import ai.ojin.session.events.command.SessionCommand;
import ai.ojin.session.events.fact.SessionEvent;
import ai.ojin.session.events.reply.SessionReply;
import ai.ojin.session.events.topic.SessionTopics;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.state.KeyValueStore;

/** The topology under {@link TopologyTestDriver}, with a controllable wall clock and helpers. */
final class ProcessorDriver implements AutoCloseable {

    static final Instant START = Instant.parse("2026-11-28T12:00:00Z");

    private final TopologyTestDriver driver;
    private final TestInputTopic<String, Agent> agents;
    private final TestInputTopic<String, SessionCommand> commands;
    private final TestOutputTopic<String, SessionEvent> facts;
    private final TestOutputTopic<String, SessionReply> replies;
    private final List<SessionEvent> allFacts = new ArrayList<>();
    private Instant clock = START;

    ProcessorDriver(LeaseSettings settings, Path stateDir) {
        SessionTopics topics = SessionTopics.withPrefix("ttd.");
        StreamsBuilder builder = new StreamsBuilder();
        SessionTopology.build(builder, topics, settings);
        Properties props = new Properties();
        props.put(StreamsConfig.APPLICATION_ID_CONFIG, "processor-ttd");
        props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "unused:9092");
        props.put(StreamsConfig.STATE_DIR_CONFIG, stateDir.toString());
        // the task's punctuate-total is a DEBUG-level metric (see punctuations())
        props.put(StreamsConfig.METRICS_RECORDING_LEVEL_CONFIG, "DEBUG");
        driver = new TopologyTestDriver(builder.build(), props, START);
        agents = driver.createInputTopic(topics.agents().name(), new StringSerializer(),
                topics.agents().valueSerde().serializer());
        commands = driver.createInputTopic(topics.commands().name(), new StringSerializer(),
                topics.commands().valueSerde().serializer());
        facts = driver.createOutputTopic(topics.events().name(), new StringDeserializer(),
                topics.events().valueSerde().deserializer());
        replies = driver.createOutputTopic(topics.replies().name(), new StringDeserializer(),
                topics.replies().valueSerde().deserializer());
    }

    ProcessorDriver(Path stateDir) {
        this(LeaseSettings.DEFAULTS, stateDir);
    }

    Agent agent(String agentId, AgentStatus status, int maxConcurrency, int maxSessionSeconds) {
        Agent agent = new Agent(agentId, status, List.of("*"), maxConcurrency, maxSessionSeconds, now());
        agents.pipeInput(agentId, agent);
        return agent;
    }

    Agent agent(String agentId, int maxConcurrency) {
        return agent(agentId, AgentStatus.PUBLISHED, maxConcurrency, 600);
    }

    void deleteAgent(String agentId) {
        agents.pipeInput(agentId, null);
    }

    String request(String agentId) {
        return request(agentId, 0);
    }

    String request(String agentId, int replyPartition) {
        String sessionId = SessionIds.newSessionId(agentId);
        request(sessionId, agentId, replyPartition, now().plusSeconds(10));
        return sessionId;
    }

    void request(String sessionId, String agentId, int replyPartition, Instant deadline) {
        command(new RequestSession(sessionId, agentId, "user-1", "https://example.com", replyPartition, now(), deadline));
    }

    /** A request that waits up to {@code waitSeconds} in line and/or carries an idempotency key (null: none). */
    String request(String agentId, int replyPartition, Integer waitSeconds, String key, String clientUserRef) {
        String sessionId = SessionIds.newSessionId(agentId);
        Instant deadline = now().plusSeconds(10 + (waitSeconds == null ? 0 : waitSeconds));
        command(new RequestSession(sessionId, agentId, clientUserRef, "https://example.com", replyPartition, now(),
                deadline, "api-" + replyPartition, waitSeconds,
                key == null ? null : ai.ojin.session.events.command.IdempotencyKeys.keyHash(key),
                key == null ? null : ai.ojin.session.events.command.IdempotencyKeys.requestHash(agentId, clientUserRef),
                key == null ? null : now().plus(Duration.ofMinutes(10))));
        return sessionId;
    }

    void markStarted(String sessionId) {
        String agentId = SessionIds.agentOf(sessionId).orElseThrow();
        command(new MarkStarted(sessionId, agentId, sessionId, "https://x.daily.co/" + sessionId, now()));
    }

    void release(String sessionId, EndReason reason, Integer replyPartition) {
        String agentId = SessionIds.agentOf(sessionId).orElseThrow();
        command(new ReleaseSession(sessionId, agentId, reason, now(), replyPartition));
    }

    /** Daily's participant webhook for the session, as the worker turns it into a command (event time = now). */
    void participant(String sessionId, Role role, Change change, String participantId) {
        String agentId = SessionIds.agentOf(sessionId).orElseThrow();
        command(new ParticipantPresence(sessionId, agentId, role, change, participantId, now()));
    }

    void command(SessionCommand command) {
        commands.pipeInput(command.agentId(), command, now());
    }

    /** A command written at {@code writtenAt} and read only now (a backlog after an outage). */
    void command(SessionCommand command, Instant writtenAt) {
        commands.pipeInput(command.agentId(), command, writtenAt);
    }

    /** Moves the wall clock, running the punctuator as often as it is due. */
    void advance(Duration duration) {
        clock = clock.plus(duration);
        driver.advanceWallClockTime(duration);
    }

    Instant now() {
        return clock;
    }

    /**
     * How often the task has punctuated so far (its {@code punctuate-total}). Each punctuation makes
     * Kafka Streams commit the task: under exactly-once, a transaction.
     */
    long punctuations() {
        return driver.metrics().entrySet().stream()
                .filter(e -> e.getKey().name().equals("punctuate-total") && e.getKey().group().equals("stream-task-metrics"))
                .mapToLong(e -> ((Number) e.getValue().metricValue()).longValue()).sum();
    }

    /** Facts written since the last call (all of them are also kept for {@link #allFacts()}). */
    List<SessionEvent> facts() {
        List<SessionEvent> read = facts.readValuesToList();
        allFacts.addAll(read);
        return read;
    }

    List<SessionEvent> allFacts() {
        facts();
        return List.copyOf(allFacts);
    }

    List<SessionReply> replies() {
        return replies.readValuesToList();
    }

    KeyValueStore<String, Object> store(String name) {
        return driver.getKeyValueStore(name);
    }

    /** Exact entry count (RocksDB's approximate count includes deleted keys). */
    long count(String store) {
        long n = 0;
        try (var it = driver.getKeyValueStore(store).all()) {
            while (it.hasNext()) {
                it.next();
                n++;
            }
        }
        return n;
    }

    @Override
    public void close() {
        driver.close();
    }
}
