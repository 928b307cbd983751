package ai.ojin.session.events;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.ojin.session.events.command.Heartbeat;
import ai.ojin.session.events.command.SessionCommand;
import ai.ojin.session.events.json.Json;
import ai.ojin.session.events.topic.SessionTopics;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import org.apache.kafka.common.errors.SerializationException;
import org.junit.jupiter.api.Test;
import tools.jackson.core.JacksonException;

class HardenedJsonTest {

    @Test
    void shouldRefuseDeeplyNestedDocuments() {
        // given: 200 levels of arrays, far deeper than any record of ours
        String nested = "[".repeat(200) + "]".repeat(200);

        // when / then
        assertThatThrownBy(() -> Json.MAPPER.readTree(nested)).isInstanceOf(JacksonException.class)
                .hasMessageContaining("depth");
    }

    @Test
    void shouldRefuseOverlongStringsAndDocumentsOfTheLimitedMapper() {
        // given
        var limited = Json.limited(1024, 8, 100);
        String longString = "{\"a\":\"" + "x".repeat(200) + "\"}";
        String longDocument = "{" + "\"k\":1,".repeat(300) + "\"z\":1}";

        // when / then
        assertThatThrownBy(() -> limited.readTree(longString)).isInstanceOf(JacksonException.class);
        assertThatThrownBy(() -> limited.readTree(longDocument.getBytes(StandardCharsets.UTF_8)))
                .isInstanceOf(JacksonException.class);
        assertThat(limited.readTree("{\"a\":\"short\"}").get("a").asString()).isEqualTo("short");
    }

    @Test
    void shouldCarryAHeartbeatThroughTheCommandsSerde() {
        // given
        SessionCommand heartbeat = new Heartbeat(Heartbeat.ID_PREFIX + "x-1", "hb-0", Instant.parse("2026-01-01T00:00:00Z"), 2);
        var serde = SessionTopics.DEFAULT.commands().valueSerde();

        // when
        byte[] bytes = serde.serializer().serialize("t", heartbeat);

        // then
        assertThat(new String(bytes, StandardCharsets.UTF_8)).contains("\"type\":\"heartbeat\"", "\"reply_partition\":2");
        assertThat(serde.deserializer().deserialize("t", bytes)).isEqualTo(heartbeat);
        assertThatThrownBy(() -> serde.deserializer().deserialize("t", ("{\"type\":\"heartbeat\",\"x\":" + "[".repeat(100)
                + "]".repeat(100) + "}").getBytes(StandardCharsets.UTF_8))).isInstanceOf(SerializationException.class);
    }
}
