package ai.ojin.session.events.command;

import ai.ojin.session.events.reply.ErrorCode;
import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;

/** Why a session's slot is released. The failure reasons end a session with a {@code failed} fact. */
public enum EndReason {
    /** Daily reported {@code meeting.ended}. */
    MEETING_ENDED("meeting_ended", null),
    /** {@code DELETE /v1/sessions/{id}}. */
    END_CALL("end_call", null),
    /** The caller's deadline passed before the session was ready. */
    ABANDONED("abandoned", null),
    /** The session's lease ran out (a release was lost, or the session hit its maximum length). */
    LEASE_EXPIRED("lease_expired", null),
    /** The session started but the user never joined its room within the join lease. */
    NO_SHOW("no_show", null),
    /** The user left the room and did not join again within the rejoin lease. */
    USER_LEFT("user_left", null),
    ROOM_CREATION_FAILED("room_creation_failed", ErrorCode.ROOM_CREATION_FAILED),
    ORCHESTRATOR_ERROR("orchestrator_error", ErrorCode.ORCHESTRATOR_ERROR);

    private final String wire;
    private final ErrorCode failure;

    EndReason(String wire, ErrorCode failure) {
        this.wire = wire;
        this.failure = failure;
    }

    @JsonValue
    public String wire() {
        return wire;
    }

    /** @return the error code when this reason is a failure to set the session up, else null. */
    public ErrorCode failure() {
        return failure;
    }

    @JsonCreator
    public static EndReason fromWire(String wire) {
        for (EndReason reason : values()) {
            if (reason.wire.equals(wire)) {
                return reason;
            }
        }
        throw new IllegalArgumentException("unknown end reason " + wire);
    }
}
