package ai.ojin.session.processor.streams;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import ai.ojin.session.events.topic.SessionTopics;
import ai.ojin.session.testkit.TestKafka;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.Produced;
import org.apache.kafka.streams.errors.StreamsUncaughtExceptionHandler.StreamThreadExceptionResponse;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.health.contributor.Status;

class StreamThreadReplacementTest {

    @TempDir
    Path state;

    @Test
    void shouldReplaceAFailedStreamThreadAndCarryOnWithTheSameRecord() throws Exception {
        // given: a client whose processing fails once, on the record "boom"
        SessionTopics topics = TestKafka.newTopics();
        AtomicInteger failures = new AtomicInteger();
        Properties props = StreamsProperties.of(ProcessorProperties.defaults()
                .withApplicationId(TestKafka.uniqueId("replace"), state.toString()), TestKafka.bootstrapServers(), (short) 1, Map.of());
        StreamsBuilder builder = new StreamsBuilder();
        builder.stream(topics.commands().name(), Consumed.with(Serdes.String(), Serdes.String()))
                .peek((key, value) -> {
                    if ("boom".equals(value) && failures.getAndIncrement() == 0) {
                        throw new IllegalStateException("injected failure on the first try");
                    }
                })
                .to(topics.agents().name(), Produced.with(Serdes.String(), Serdes.String()));
        SessionStreams streams = new SessionStreams(builder.build(props), props, null);
        KafkaStreamsHealthIndicator health = new KafkaStreamsHealthIndicator(streams);
        streams.start();
        try (var producer = new KafkaProducer<>(Map.<String, Object>of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG,
                TestKafka.bootstrapServers()), new StringSerializer(), new StringSerializer())) {
            await().atMost(Duration.ofSeconds(60)).until(() -> streams.state() == KafkaStreams.State.RUNNING);

            // when
            producer.send(new ProducerRecord<>(topics.commands().name(), 0, "k", "boom")).get();
            producer.send(new ProducerRecord<>(topics.commands().name(), 0, "k", "after")).get();

            // then: the thread died once, was replaced, and both records went through once
            await().atMost(Duration.ofSeconds(60)).untilAsserted(() ->
                    assertThat(readCommitted(topics.agents().name())).containsExactly("boom", "after"));
            assertThat(failures.get()).isEqualTo(2);
            await().atMost(Duration.ofSeconds(30)).until(() -> streams.state() == KafkaStreams.State.RUNNING);
            assertThat(health.health().getStatus()).isEqualTo(Status.UP);
        } finally {
            streams.stop();
        }
    }

    @Test
    void shouldShutDownWhenTheSameFailureKeepsComingBackOrOnAJvmError() {
        // given
        StreamThreadFailures failures = new StreamThreadFailures(2, Duration.ofMinutes(1), Clock.systemUTC());

        // when / then
        assertThat(failures.handle(new IllegalStateException("1"))).isEqualTo(StreamThreadExceptionResponse.REPLACE_THREAD);
        assertThat(failures.handle(new IllegalStateException("2"))).isEqualTo(StreamThreadExceptionResponse.REPLACE_THREAD);
        assertThat(failures.handle(new IllegalStateException("3"))).isEqualTo(StreamThreadExceptionResponse.SHUTDOWN_CLIENT);
        assertThat(new StreamThreadFailures(5, Duration.ofMinutes(1), Clock.systemUTC())
                .handle(new RuntimeException(new OutOfMemoryError("x")))).isEqualTo(StreamThreadExceptionResponse.SHUTDOWN_CLIENT);
    }

    private static List<String> readCommitted(String topic) {
        try (var consumer = new KafkaConsumer<>(Map.<String, Object>of(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG,
                TestKafka.bootstrapServers(), ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed"),
                new StringDeserializer(), new StringDeserializer())) {
            List<TopicPartition> partitions = consumer.partitionsFor(topic).stream()
                    .map(p -> new TopicPartition(topic, p.partition())).toList();
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            List<String> values = new ArrayList<>();
            for (int i = 0; i < 5; i++) {
                for (ConsumerRecord<String, String> r : consumer.poll(Duration.ofMillis(200))) {
                    values.add(r.value());
                }
            }
            return values;
        }
    }
}
