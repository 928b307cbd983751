package ai.ojin.session.events.reply;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;

/** The public API's error codes (seed contract) with their HTTP status, plus our 400. */
public enum ErrorCode {
    INVALID_REQUEST("invalid_request", 400),
    AGENT_NOT_FOUND("agent_not_found", 404),
    AGENT_UNPUBLISHED("agent_unpublished", 403),
    AUTH_FAILED("auth_failed", 403),
    CONCURRENCY_LIMIT("concurrency_limit", 429),
    ROOM_CREATION_FAILED("room_creation_failed", 502),
    ORCHESTRATOR_ERROR("orchestrator_error", 502),
    INTERNAL_ERROR("internal_error", 500),
    /** Our addition, for the admin end-session call: no live session has that id. */
    SESSION_NOT_FOUND("session_not_found", 404),
    /** Our addition: an {@code Idempotency-Key} already used with a different request body. */
    IDEMPOTENCY_KEY_REUSED("idempotency_key_reused", 422),
    /** Our addition: the session of this {@code Idempotency-Key} has ended; use a new key. */
    SESSION_ENDED("session_ended", 409);

    private final String wire;
    private final int httpStatus;

    ErrorCode(String wire, int httpStatus) {
        this.wire = wire;
        this.httpStatus = httpStatus;
    }

    @JsonValue
    public String wire() {
        return wire;
    }

    public int httpStatus() {
        return httpStatus;
    }

    @JsonCreator
    public static ErrorCode fromWire(String wire) {
        for (ErrorCode code : values()) {
            if (code.wire.equals(wire)) {
                return code;
            }
        }
        throw new IllegalArgumentException("unknown error code " + wire);
    }
}
