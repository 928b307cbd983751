package ai.ojin.session.processor.streams;

import static org.assertj.core.api.Assertions.assertThat;

import ai.ojin.session.events.topic.SessionTopics;
import ai.ojin.session.processor.topology.LeaseSettings;
import ai.ojin.session.processor.topology.SessionTopology;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.streams.StreamsBuilder;
import org.junit.jupiter.api.Test;
import org.springframework.boot.health.contributor.Status;

class KafkaStreamsHealthIndicatorTest {

    @Test
    void shouldBeDownWhileTheStreamsClientIsNotRunning() {
        // given: a client that was never started
        Properties props = StreamsProperties.of(ProcessorProperties.defaults(), "localhost:1", (short) 1, Map.of());
        StreamsBuilder builder = new StreamsBuilder();
        SessionTopology.build(builder, SessionTopics.DEFAULT, LeaseSettings.DEFAULTS);
        SessionStreams streams = new SessionStreams(builder.build(props), props, null);

        // when
        var health = new KafkaStreamsHealthIndicator(streams).health();

        // then
        assertThat(health.getStatus()).isEqualTo(Status.DOWN);
        assertThat(health.getDetails()).containsEntry("state", "NOT_RUNNING");
    }

    @Test
    void shouldConfigureExactlyOnceWithLowLatencyPollAndLinger() {
        // when
        Properties props = StreamsProperties.of(ProcessorProperties.defaults(), "b:9092", (short) 1,
                Map.of("security.protocol", "PLAINTEXT"));

        // then
        assertThat(props).containsEntry("processing.guarantee", "exactly_once_v2")
                .containsEntry("commit.interval.ms", 25L)
                .containsEntry("poll.ms", 10L)
                .containsEntry("producer.linger.ms", 0)
                .containsEntry("security.protocol", "PLAINTEXT")
                .containsEntry("application.id", "session-processor")
                .containsEntry("main.consumer.internal.leave.group.on.close", true);
        assertThat(props.getProperty("state.dir")).isNotBlank();
    }
}
