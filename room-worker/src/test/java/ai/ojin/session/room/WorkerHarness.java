package ai.ojin.session.room;

import ai.ojin.session.events.SessionIds;
import ai.ojin.session.events.command.SessionCommand;
import ai.ojin.session.events.fact.SessionAdmitted;
import ai.ojin.session.events.fact.SessionEvent;
import ai.ojin.session.events.reply.SessionReply;
import ai.ojin.session.events.topic.SessionTopics;
import ai.ojin.session.room.jobs.JobConsumer;
import ai.ojin.session.testkit.FakeDaily;
import ai.ojin.session.testkit.FakeOrchestrator;
import ai.ojin.session.testkit.TestKafka;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ExecutionException;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.awaitility.Awaitility;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * One room worker: its own topics, consumer group, fake Daily and fake orchestrator, plus a
 * producer of facts and recorders of replies and commands. One per test class (each test on its own
 * agents and sessions, looking only at what concerns them, its fault knobs cleared after it:
 * {@link #clearFaults()}), or one for a test that needs settings of its own or stops the worker.
 */
final class WorkerHarness implements AutoCloseable {

    final FakeDaily daily;
    final FakeOrchestrator orchestrator;
    final SessionTopics topics;
    final String consumerGroup;
    final String webhookSecret = Base64.getEncoder().encodeToString(UUID.randomUUID().toString().getBytes());
    final ConfigurableApplicationContext app;
    final TopicRecorder<SessionReply> replies;
    final TopicRecorder<SessionCommand> commands;
    private final KafkaProducer<String, SessionEvent> producer;

    /** @param overrides extra properties (name -> value) that win over the defaults here */
    WorkerHarness(Map<String, String> overrides) {
        this(new FakeDaily(), new FakeOrchestrator(), TestKafka.newTopics(), TestKafka.uniqueId("room-worker"), overrides);
    }

    /**
     * A worker on given fakes, topics and consumer group, for example a new instance taking over
     * from one that crashed. Closing it closes the fakes too.
     */
    WorkerHarness(FakeDaily daily, FakeOrchestrator orchestrator, SessionTopics topics, String consumerGroup,
                  Map<String, String> overrides) {
        this.daily = daily;
        this.orchestrator = orchestrator;
        this.topics = topics;
        this.consumerGroup = consumerGroup;
        app = RoomWorkerApplication.builder()
                .run(args(properties(daily, orchestrator, topics, consumerGroup, webhookSecret, overrides)));
        // As a deployment would: traffic only once the worker is ready (its consumer joined its group).
        JobConsumer<?> facts = app.getBean(JobConsumer.class);
        Awaitility.await("worker ready").atMost(Duration.ofSeconds(60)).until(facts::ready);
        replies = new TopicRecorder<>(topics.replies());
        commands = new TopicRecorder<>(topics.commands());
        producer = new KafkaProducer<>(Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, TestKafka.bootstrapServers(),
                ProducerConfig.LINGER_MS_CONFIG, 0),
                topics.events().keySerde().serializer(), topics.events().valueSerde().serializer());
    }

    /** The worker's properties for these fakes, topics and group; {@code overrides} win. */
    static Map<String, String> properties(FakeDaily daily, FakeOrchestrator orchestrator, SessionTopics topics,
                                          String consumerGroup, String webhookSecret, Map<String, String> overrides) {
        Map<String, String> properties = new LinkedHashMap<>();
        properties.put("KAFKA_BOOTSTRAP_SERVERS", TestKafka.bootstrapServers());
        properties.put("server.port", "0");
        properties.put("session.topics.prefix", prefix(topics));
        properties.put("room.consumer-group", consumerGroup);
        properties.put("DAILY_API_URL", daily.baseUrl());
        properties.put("DAILY_API_KEY", daily.apiKey());
        properties.put("ORCHESTRATOR_URL", orchestrator.baseUrl());
        properties.put("ORCHESTRATOR_TOKEN", orchestrator.token());
        properties.put("DAILY_WEBHOOK_HMAC", webhookSecret);
        properties.put("room.reconcile-interval", "0s");
        properties.putAll(overrides);
        return properties;
    }

    /** Command-line arguments ({@code --name=value}) for these properties. */
    static String[] args(Map<String, String> properties) {
        return properties.entrySet().stream().map(e -> "--" + e.getKey() + "=" + e.getValue()).toArray(String[]::new);
    }

    WorkerHarness() {
        this(Map.of());
    }

    private static String prefix(SessionTopics topics) {
        String name = topics.events().name();
        return name.substring(0, name.length() - "session-events".length());
    }

    int port() {
        return Integer.parseInt(app.getEnvironment().getProperty("local.server.port"));
    }

    /** The connect-api instance named in {@link #admitted}. */
    static final String INSTANCE = "test-host/p2";

    /** An admitted fact for a new session of {@code agentId}, its caller ({@link #INSTANCE}) waiting 20 s. */
    static SessionAdmitted admitted(String agentId) {
        Instant now = Instant.now();
        return new SessionAdmitted(SessionIds.newSessionId(agentId), agentId, now, "user-42", 2, 5, 1, 600,
                now.plusSeconds(30), now.plusSeconds(20), INSTANCE);
    }

    void publish(SessionEvent... events) {
        try {
            for (SessionEvent event : events) {
                producer.send(topics.events().record(event.agentId(), event)).get();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        } catch (ExecutionException e) {
            throw new IllegalStateException(e.getCause());
        }
    }

    void publishRaw(String key, byte[] value) throws Exception {
        try (var raw = new KafkaProducer<String, byte[]>(Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG,
                TestKafka.bootstrapServers()), new org.apache.kafka.common.serialization.StringSerializer(),
                new org.apache.kafka.common.serialization.ByteArraySerializer())) {
            raw.send(new org.apache.kafka.clients.producer.ProducerRecord<>(topics.events().name(), key, value)).get();
        }
    }

    Optional<SessionReply> reply(String sessionId) {
        return replies.values().stream().filter(r -> r.sessionId().equals(sessionId)).findFirst();
    }

    List<SessionCommand> commandsFor(String sessionId) {
        return commands.values().stream().filter(c -> c.sessionId().equals(sessionId)).toList();
    }

    /** How many commands were recorded so far: the mark of a test's start, for {@link #commandsSince}. */
    int commandMark() {
        return commands.records().size();
    }

    /** The commands recorded after {@code mark} (what a test sharing this worker caused). */
    List<ConsumerRecord<String, SessionCommand>> commandsSince(int mark) {
        List<ConsumerRecord<String, SessionCommand>> records = commands.records();
        return records.subList(mark, records.size());
    }

    /** Drops the fakes' scripted failures and latency (not what they store or the requests they logged). */
    void clearFaults() {
        daily.clearFaults();
        orchestrator.clearFaults();
    }

    @Override
    public void close() throws Exception {
        closeWorkerOnly();
        daily.close();
        orchestrator.close();
    }

    /** Stops this worker and its recorders, leaving the fakes (shared with another harness) running. */
    void closeWorkerOnly() throws Exception {
        producer.close();
        replies.close();
        commands.close();
        app.close();
    }
}
