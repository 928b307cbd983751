package ai.ojin.session.history.it;

import ai.ojin.session.events.fact.SessionEvent;
import ai.ojin.session.events.history.CallRecord;
import ai.ojin.session.events.json.Json;
import ai.ojin.session.events.topic.SessionTopics;
import ai.ojin.session.history.CallHistorySinkApplication;
import ai.ojin.session.testkit.HttpCalls;
import ai.ojin.session.testkit.TestKafka;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ExecutionException;
import javax.sql.DataSource;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.CloseOptions;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.awaitility.Awaitility;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.jdbc.core.JdbcTemplate;
import tools.jackson.databind.JsonNode;

/** Starts sinks against the test broker and drives them like a client would: Kafka in, HTTP out. */
final class SinkHarness implements AutoCloseable {

    static final String ADMIN_TOKEN = "test-admin-token-0123456789";
    static final Duration WAIT = Duration.ofSeconds(60);

    final SessionTopics topics = TestKafka.newTopics();
    private final HttpClient http = HttpClient.newHttpClient();
    private final KafkaProducer<String, SessionEvent> facts = new KafkaProducer<>(
            Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, TestKafka.bootstrapServers(), ProducerConfig.LINGER_MS_CONFIG, 0),
            topics.events().keySerde().serializer(), topics.events().valueSerde().serializer());
    private final KafkaProducer<String, byte[]> raw = new KafkaProducer<>(
            Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, TestKafka.bootstrapServers()),
            new StringSerializer(), new ByteArraySerializer());
    private final List<ConfigurableApplicationContext> sinks = new ArrayList<>();

    /** A sink on this harness's topics; {@code store} is the JDBC URL, user and password. */
    ConfigurableApplicationContext start(Store store, String... extra) {
        List<String> args = new ArrayList<>(List.of(
                "--server.port=0",
                "--KAFKA_BOOTSTRAP_SERVERS=" + TestKafka.bootstrapServers(),
                "--ADMIN_TOKEN=" + ADMIN_TOKEN,
                "--CALL_HISTORY_DB_URL=" + store.url(),
                "--CALL_HISTORY_DB_USER=" + store.user(),
                "--CALL_HISTORY_DB_PASSWORD=" + store.password(),
                "--session.topics.prefix=" + topics.events().name().replace("session-events", ""),
                "--history.group-id=" + TestKafka.uniqueId("history")));
        args.addAll(List.of(extra));
        ConfigurableApplicationContext context = CallHistorySinkApplication.builder().run(args.toArray(String[]::new));
        sinks.add(context);
        // As a deployment would: traffic only once the sink is ready (its listener has joined its group).
        Awaitility.await("sink ready").atMost(Duration.ofSeconds(60))
                .until(() -> get(context, "/actuator/health/readiness", null).statusCode() == 200);
        return context;
    }

    void send(List<? extends SessionEvent> events) {
        for (SessionEvent event : events) {
            facts.send(topics.events().record(event.agentId(), event));
        }
        facts.flush();
    }

    void sendRaw(String agentId, byte[] value) {
        raw.send(new ProducerRecord<>(topics.events().name(), agentId, value));
        raw.flush();
    }

    HttpResponse<String> get(ConfigurableApplicationContext sink, String pathAndQuery, String authorization) {
        return exchange(HttpRequest.newBuilder(URI.create("http://localhost:" + port(sink) + pathAndQuery)).GET(),
                authorization);
    }

    HttpResponse<String> post(ConfigurableApplicationContext sink, String path, String authorization, byte[] body) {
        return exchange(HttpRequest.newBuilder(URI.create("http://localhost:" + port(sink) + path))
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofByteArray(body)),
                authorization);
    }

    private HttpResponse<String> exchange(HttpRequest.Builder request, String authorization) {
        if (authorization != null) {
            request.header("Authorization", authorization);
        }
        return HttpCalls.send(http, request);
    }

    /** GET /v1/call-history with the admin token; the parameters as name/value pairs. */
    JsonNode history(ConfigurableApplicationContext sink, String... params) {
        HttpResponse<String> response = get(sink, "/v1/call-history" + query(params), "Bearer " + ADMIN_TOKEN);
        if (response.statusCode() != 200) {
            throw new AssertionError("status " + response.statusCode() + ": " + response.body());
        }
        return Json.MAPPER.readTree(response.body());
    }

    static String query(String... params) {
        if (params.length == 0) {
            return "";
        }
        StringBuilder query = new StringBuilder("?");
        for (int i = 0; i < params.length; i += 2) {
            if (i > 0) {
                query.append('&');
            }
            query.append(params[i]).append('=').append(URLEncoder.encode(params[i + 1], StandardCharsets.UTF_8));
        }
        return query.toString();
    }

    /**
     * Waits until {@code sink} has folded and published everything on session-events so far: its
     * group's committed offsets reach the topic's end (the listener commits a batch only after its
     * call records are on call-history). The rows the query API shows are written before the
     * records are published, so rows alone do not say that call-history holds all it will hold.
     */
    void awaitCaughtUp(ConfigurableApplicationContext sink) {
        String group = sink.getEnvironment().getRequiredProperty("history.group-id");
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, TestKafka.bootstrapServers()))) {
            String topic = topics.events().name();
            Map<TopicPartition, OffsetSpec> latest = new HashMap<>();
            admin.describeTopics(List.of(topic)).allTopicNames().get().get(topic).partitions()
                    .forEach(p -> latest.put(new TopicPartition(topic, p.partition()), OffsetSpec.latest()));
            Map<TopicPartition, Long> end = new HashMap<>();
            admin.listOffsets(latest).all().get().forEach((partition, info) -> end.put(partition, info.offset()));
            Awaitility.await("sink caught up").atMost(WAIT).until(() -> {
                Map<TopicPartition, OffsetAndMetadata> committed = admin.listConsumerGroupOffsets(group)
                        .partitionsToOffsetAndMetadata().get();
                return end.entrySet().stream().allMatch(e -> e.getValue() == 0
                        || (committed.get(e.getKey()) != null && committed.get(e.getKey()).offset() >= e.getValue()));
            });
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        } catch (ExecutionException e) {
            throw new IllegalStateException(e.getCause());
        }
    }

    /** Everything on call-history so far (read from the start). */
    List<ConsumerRecord<String, CallRecord>> callHistory() {
        return readAll(new KafkaConsumer<>(Map.<String, Object>of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, TestKafka.bootstrapServers()),
                topics.callHistory().keySerde().deserializer(), topics.callHistory().valueSerde().deserializer()),
                topics.callHistory().name());
    }

    /** Everything on this sink's dead-letter topic so far. */
    List<ConsumerRecord<byte[], byte[]>> deadLetters() {
        return readAll(new KafkaConsumer<>(Map.<String, Object>of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, TestKafka.bootstrapServers()),
                new ByteArrayDeserializer(), new ByteArrayDeserializer()),
                SessionTopics.deadLetterTopic(topics.events().name(), "call-history-sink"));
    }

    /**
     * Reads the topic from the start to its current end, then closes the consumer. Nothing to
     * commit, so the close is short: a slow fetch-session close (seen taking the default 30 s on the
     * in-JVM broker) must not use up a polling assertion's whole wait.
     */
    private static <K, V> List<ConsumerRecord<K, V>> readAll(KafkaConsumer<K, V> consumer, String topic) {
        try {
            List<TopicPartition> partitions = consumer.partitionsFor(topic, Duration.ofSeconds(10)).stream()
                    .map(info -> new TopicPartition(topic, info.partition())).toList();
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            Map<TopicPartition, Long> end = consumer.endOffsets(partitions);
            List<ConsumerRecord<K, V>> records = new ArrayList<>();
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (partitions.stream().anyMatch(p -> consumer.position(p) < end.get(p))) {
                if (System.nanoTime() > deadline) {
                    throw new AssertionError("cannot read " + topic + " to its end");
                }
                consumer.poll(Duration.ofMillis(200)).forEach(records::add);
            }
            return records;
        } finally {
            consumer.close(CloseOptions.timeout(Duration.ofSeconds(1)));
        }
    }

    /** The store's rows as the API and the topic see them (without bookkeeping columns), by session. */
    static List<Map<String, Object>> rows(ConfigurableApplicationContext sink) {
        JdbcTemplate jdbc = new JdbcTemplate(sink.getBean(DataSource.class));
        return jdbc.queryForList("SELECT session_id, agent_id, client_user_ref, origin, outcome, error_code, "
                + "requested_at, started_at, ended_at, end_reason, duration_seconds, room_name, facts, progress "
                + "FROM call_record ORDER BY session_id").stream()
                .map(row -> {
                    Map<String, Object> copy = new TreeMap<>();
                    row.forEach((column, value) -> copy.put(column.toLowerCase(), value == null ? null : value.toString()));
                    return copy;
                }).toList();
    }

    static int port(ConfigurableApplicationContext sink) {
        return Integer.parseInt(sink.getEnvironment().getProperty("local.server.port"));
    }

    void stop(ConfigurableApplicationContext sink) {
        sinks.remove(sink);
        sink.close();
    }

    @Override
    public void close() {
        sinks.forEach(ConfigurableApplicationContext::close);
        facts.close();
        raw.close();
    }

    /** A store to run a sink against. */
    record Store(String url, String user, String password) {
    }
}
