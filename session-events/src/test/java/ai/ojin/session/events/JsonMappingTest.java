package ai.ojin.session.events;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.ojin.session.events.command.EndReason;
import ai.ojin.session.events.command.ReleaseSession;
import ai.ojin.session.events.command.SessionCommand;
import ai.ojin.session.events.fact.SessionAdmitted;
import ai.ojin.session.events.fact.SessionEvent;
import ai.ojin.session.events.reply.SessionReply;
import ai.ojin.session.events.topic.SessionTopics;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import org.apache.kafka.common.errors.SerializationException;
import org.junit.jupiter.api.Test;

class JsonMappingTest {

    private final SessionTopics topics = SessionTopics.DEFAULT;
    private final Instant now = Instant.parse("2026-11-28T12:00:00Z");

    @Test
    void shouldWriteFactsWithTypeEventIdAndSchemaVersionInSnakeCase() {
        // given
        SessionEvent admitted = new SessionAdmitted("s1", "a1", now, "u1", 2, 5, 3, 600, now.plusSeconds(30), now.plusSeconds(10));

        // when
        byte[] bytes = topics.events().valueSerde().serializer().serialize("t", admitted);
        String json = new String(bytes, StandardCharsets.UTF_8);

        // then
        assertThat(json).contains("\"type\":\"admitted\"", "\"event_id\":\"s1/admitted\"", "\"schema_version\":1",
                "\"session_id\":\"s1\"", "\"max_concurrency\":5", "\"active_after\":3", "\"at\":\"2026-11-28T12:00:00Z\"");
        assertThat(topics.events().valueSerde().deserializer().deserialize("t", bytes)).isEqualTo(admitted);
    }

    @Test
    void shouldReadCommandsByTheirTypeAndIgnoreUnknownFields() {
        // given
        String json = "{\"type\":\"release\",\"session_id\":\"s1\",\"agent_id\":\"a1\",\"reason\":\"meeting_ended\","
                + "\"at\":\"2026-11-28T12:00:00Z\",\"added_later\":true}";

        // when
        SessionCommand command = topics.commands().valueSerde().deserializer()
                .deserialize("t", json.getBytes(StandardCharsets.UTF_8));

        // then
        assertThat(command).isEqualTo(new ReleaseSession("s1", "a1", EndReason.MEETING_ENDED, now));
    }

    @Test
    void shouldFailWithSerializationExceptionOnGarbage() {
        assertThatThrownBy(() -> topics.commands().valueSerde().deserializer()
                .deserialize("t", "{not json".getBytes(StandardCharsets.UTF_8)))
                .isInstanceOf(SerializationException.class);
    }

    @Test
    void shouldNeverPrintTheTokenOfAReply() {
        assertThat(SessionReply.success("s1", "https://x.daily.co/s1", "secret-token").toString())
                .doesNotContain("secret-token");
    }
}
