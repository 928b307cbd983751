package ai.ojin.session.events.command;

import com.fasterxml.jackson.annotation.JsonSubTypes;
import com.fasterxml.jackson.annotation.JsonTypeInfo;

/**
 * A request to change concurrency state, on {@code session-commands} (key = agent id). Only the
 * session processor acts on commands; it answers with facts on {@code session-events}.
 */
@JsonTypeInfo(use = JsonTypeInfo.Id.NAME, property = "type")
@JsonSubTypes({
        @JsonSubTypes.Type(value = RequestSession.class, name = "request"),
        @JsonSubTypes.Type(value = MarkStarted.class, name = "mark_started"),
        @JsonSubTypes.Type(value = ReleaseSession.class, name = "release"),
        @JsonSubTypes.Type(value = Heartbeat.class, name = "heartbeat"),
        @JsonSubTypes.Type(value = ParticipantPresence.class, name = "participant"),
        @JsonSubTypes.Type(value = LinePosition.class, name = "line_position")
})
public sealed interface SessionCommand
        permits RequestSession, MarkStarted, ReleaseSession, Heartbeat, ParticipantPresence, LinePosition {

    String sessionId();

    String agentId();
}
