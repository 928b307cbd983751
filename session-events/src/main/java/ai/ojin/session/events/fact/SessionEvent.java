package ai.ojin.session.events.fact;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonSubTypes;
import com.fasterxml.jackson.annotation.JsonTypeInfo;
import java.time.Instant;

/**
 * An immutable fact on {@code session-events} (key = agent id), written only by the session
 * processor. Facts never carry secrets. Each session has at most one fact of each lifecycle type,
 * so the event id {@code <session_id>/<type>} is unique and stays the same when the log is
 * replayed; the participant facts ({@code joined}, {@code left}) happen once per Daily participant
 * and add its id: {@code <session_id>/<type>/<participant_id>}; {@code repeated} happens once per
 * repeated request and adds its correlation id.
 */
@JsonTypeInfo(use = JsonTypeInfo.Id.NAME, property = "type")
@JsonSubTypes({
        @JsonSubTypes.Type(value = SessionRequested.class, name = SessionRequested.TYPE),
        @JsonSubTypes.Type(value = SessionAdmitted.class, name = SessionAdmitted.TYPE),
        @JsonSubTypes.Type(value = SessionRejected.class, name = SessionRejected.TYPE),
        @JsonSubTypes.Type(value = SessionStarted.class, name = SessionStarted.TYPE),
        @JsonSubTypes.Type(value = SessionFailed.class, name = SessionFailed.TYPE),
        @JsonSubTypes.Type(value = SessionEnded.class, name = SessionEnded.TYPE),
        @JsonSubTypes.Type(value = ParticipantJoined.class, name = ParticipantJoined.TYPE),
        @JsonSubTypes.Type(value = ParticipantLeft.class, name = ParticipantLeft.TYPE),
        @JsonSubTypes.Type(value = SessionQueued.class, name = SessionQueued.TYPE),
        @JsonSubTypes.Type(value = SessionDequeued.class, name = SessionDequeued.TYPE),
        @JsonSubTypes.Type(value = SessionRepeated.class, name = SessionRepeated.TYPE)
})
public sealed interface SessionEvent
        permits SessionRequested, SessionAdmitted, SessionRejected, SessionStarted, SessionFailed, SessionEnded,
        ParticipantJoined, ParticipantLeft, SessionQueued, SessionDequeued, SessionRepeated {

    int SCHEMA_VERSION = 1;

    String sessionId();

    String agentId();

    /** When the processor recorded the fact. */
    Instant at();

    /** The fact's type name, as written in the {@code type} field. */
    @JsonIgnore
    String typeName();

    @JsonProperty("event_id")
    default String eventId() {
        return sessionId() + "/" + typeName();
    }

    @JsonProperty("schema_version")
    default int schemaVersion() {
        return SCHEMA_VERSION;
    }
}
