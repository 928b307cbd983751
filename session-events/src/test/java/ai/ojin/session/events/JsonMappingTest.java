package ai.ojin.session.events;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.ojin.session.events.command.EndReason;
import ai.ojin.session.events.command.ParticipantPresence;
import ai.ojin.session.events.command.ParticipantPresence.Change;
import ai.ojin.session.events.command.ParticipantPresence.Role;
import ai.ojin.session.events.command.RequestSession;
import ai.ojin.session.events.fact.ParticipantJoined;
import ai.ojin.session.events.fact.ParticipantLeft;
import ai.ojin.session.events.fact.SessionEnded;
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
    void shouldRoundTripParticipantCommandsAndFactsWithAnEventIdPerParticipant() {
        // given
        SessionCommand presence = new ParticipantPresence("s1", "a1", Role.USER, Change.JOINED, "p-1", now);
        SessionEvent joined = new ParticipantJoined("s1", "a1", now, Role.USER, "p-1", now, now.plusSeconds(630));
        SessionEvent left = new ParticipantLeft("s1", "a1", now, Role.BOT, "p-2", now, now.plusSeconds(30));
        SessionEvent noShow = new SessionEnded("s1", "a1", now, EndReason.NO_SHOW, 0);

        // when
        String commandJson = new String(topics.commands().valueSerde().serializer().serialize("t", presence), StandardCharsets.UTF_8);
        String joinedJson = new String(topics.events().valueSerde().serializer().serialize("t", joined), StandardCharsets.UTF_8);
        String leftJson = new String(topics.events().valueSerde().serializer().serialize("t", left), StandardCharsets.UTF_8);
        String endedJson = new String(topics.events().valueSerde().serializer().serialize("t", noShow), StandardCharsets.UTF_8);

        // then
        assertThat(commandJson).contains("\"type\":\"participant\"", "\"role\":\"user\"", "\"change\":\"joined\"",
                "\"participant_id\":\"p-1\"");
        assertThat(joinedJson).contains("\"type\":\"joined\"", "\"event_id\":\"s1/joined/p-1\"");
        assertThat(leftJson).contains("\"type\":\"left\"", "\"event_id\":\"s1/left/p-2\"", "\"role\":\"bot\"");
        assertThat(endedJson).contains("\"reason\":\"no_show\"");
        assertThat(topics.commands().valueSerde().deserializer().deserialize("t", commandJson.getBytes(StandardCharsets.UTF_8)))
                .isEqualTo(presence);
        assertThat(topics.events().valueSerde().deserializer().deserialize("t", joinedJson.getBytes(StandardCharsets.UTF_8)))
                .isEqualTo(joined);
        assertThat(topics.events().valueSerde().deserializer().deserialize("t", leftJson.getBytes(StandardCharsets.UTF_8)))
                .isEqualTo(left);
        assertThat(EndReason.fromWire("user_left")).isEqualTo(EndReason.USER_LEFT);
    }

    @Test
    void shouldCarryTheRequestingInstanceFromRequestToReplyAndReadOlderRecordsWithoutIt() {
        // given
        RequestSession request = new RequestSession("s1", "a1", null, null, 2, now, now.plusSeconds(10), "host-a/p2");
        String olderRequest = "{\"type\":\"request\",\"session_id\":\"s1\",\"agent_id\":\"a1\",\"reply_partition\":2}";

        // when
        byte[] bytes = topics.commands().valueSerde().serializer().serialize("t", request);
        SessionReply reply = topics.replies().valueSerde().deserializer().deserialize("t",
                topics.replies().valueSerde().serializer().serialize("t", SessionReply.success("s1", "u", "tok", "host-a/p2")));

        // then
        assertThat(topics.commands().valueSerde().deserializer().deserialize("t", bytes)).isEqualTo(request);
        assertThat(((RequestSession) topics.commands().valueSerde().deserializer()
                .deserialize("t", olderRequest.getBytes(StandardCharsets.UTF_8))).instanceId()).isNull();
        assertThat(reply.instanceId()).isEqualTo("host-a/p2");
        assertThat(reply.admitsToRoom()).isTrue();
        assertThat(SessionReply.success("s1", null, null).admitsToRoom()).isFalse();
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
