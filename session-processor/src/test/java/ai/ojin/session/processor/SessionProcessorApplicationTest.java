package ai.ojin.session.processor;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import ai.ojin.session.events.SessionIds;
import ai.ojin.session.events.command.RequestSession;
import ai.ojin.session.events.fact.SessionAdmitted;
import ai.ojin.session.events.topic.SessionTopics;
import ai.ojin.session.processor.streams.BrokerFixture;
import ai.ojin.session.testkit.TestKafka;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import io.micrometer.core.instrument.MeterRegistry;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.context.ConfigurableApplicationContext;

class SessionProcessorApplicationTest {

    @TempDir
    Path state;

    private final HttpClient http = HttpClient.newHttpClient();

    @Test
    void shouldDeclareItsTopicsBecomeReadyAdmitDeadLetterAPoisonCommandAndExposePrometheus() throws Exception {
        // given: a fresh topic prefix nobody created
        String prefix = TestKafka.uniqueId("app") + ".";
        SessionTopics topics = SessionTopics.withPrefix(prefix);
        ConfigurableApplicationContext app = SessionProcessorApplication.builder().run(
                "--server.port=0",
                "--KAFKA_BOOTSTRAP_SERVERS=" + TestKafka.bootstrapServers(),
                "--session.topics.prefix=" + prefix,
                "--processor.application-id=" + TestKafka.uniqueId("processor-app"),
                "--processor.state-dir=" + state,
                "--processor.metrics.refresh=200ms");
        try (app; BrokerFixture kafka = new BrokerFixture(topics)) {
            String base = "http://localhost:" + app.getEnvironment().getProperty("local.server.port");

            // when the Streams client is running
            await("readiness UP").atMost(Duration.ofSeconds(60)).until(() -> get(base + "/actuator/health/readiness").statusCode() == 200);

            // then
            assertThat(get(base + "/actuator/health/readiness").body()).contains("kafkaStreams", "RUNNING");
            // metrics are kept (Micrometer); only health and prometheus are exposed over HTTP
            assertThat(app.getBean(MeterRegistry.class).getMeters())
                    .anyMatch(meter -> meter.getId().getName().startsWith("kafka.stream"));
            for (String closed : List.of("/actuator/metrics", "/actuator/env", "/actuator/info", "/actuator/beans")) {
                assertThat(get(base + closed).statusCode()).as(closed).isEqualTo(401);
            }

            // and when a poison command arrives before a valid request
            try (KafkaProducer<byte[], byte[]> raw = new KafkaProducer<>(Map.of(
                    ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, TestKafka.bootstrapServers()),
                    new ByteArraySerializer(), new ByteArraySerializer())) {
                raw.send(new ProducerRecord<>(topics.commands().name(), "alpha".getBytes(StandardCharsets.UTF_8),
                        "{not json".getBytes(StandardCharsets.UTF_8))).get();
            }
            kafka.publishAgent("alpha", 1);
            String session = SessionIds.newSessionId("alpha");
            kafka.send(new RequestSession(session, "alpha", null, null, 0, Instant.now(), Instant.now().plusSeconds(30)));
            kafka.flush();

            // then the request is admitted and the poison record is on the dead-letter topic
            await("admitted").atMost(Duration.ofSeconds(30)).until(() -> kafka.factValues().stream()
                    .anyMatch(f -> f instanceof SessionAdmitted && f.sessionId().equals(session)));
            assertThat(readAll(topics.commands().name() + ".session-processor.dlt", 1)).singleElement()
                    .satisfies(v -> assertThat(new String(v, StandardCharsets.UTF_8)).isEqualTo("{not json"));

            // and /actuator/prometheus answers without a token with the processor's metrics
            await("prometheus").atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
                HttpResponse<String> prometheus = get(base + "/actuator/prometheus");
                assertThat(prometheus.statusCode()).isEqualTo(200);
                assertThat(prometheus.body()).contains("session_admissions_total", "session_active{agent=\"alpha\"} 1.0",
                        "session_active{agent=\"other\"}", "kafka_stream_", "kafka_producer_");
            });
        }
    }

    private HttpResponse<String> get(String url) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create(url)).GET().build(), HttpResponse.BodyHandlers.ofString());
    }

    private static List<byte[]> readAll(String topic, int expected) {
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, TestKafka.bootstrapServers()),
                new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            TopicPartition tp = new TopicPartition(topic, 0);
            consumer.assign(List.of(tp));
            consumer.seekToBeginning(List.of(tp));
            List<byte[]> values = new ArrayList<>();
            await("records on " + topic).atMost(Duration.ofSeconds(30)).until(() -> {
                for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(100))) {
                    values.add(r.value());
                }
                return values.size() >= expected;
            });
            return values;
        }
    }
}
