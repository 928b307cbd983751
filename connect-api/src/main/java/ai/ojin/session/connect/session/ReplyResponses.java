package ai.ojin.session.connect.session;

import ai.ojin.session.connect.web.JsonResponses;
import ai.ojin.session.events.reply.ErrorCode;
import ai.ojin.session.events.reply.SessionReply;
import java.util.LinkedHashMap;
import java.util.Map;
import org.springframework.http.ResponseEntity;

/** Turns a reply from the pipeline into the public response. */
final class ReplyResponses {

    private ReplyResponses() {
    }

    static ResponseEntity<byte[]> connected(SessionReply reply) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("session_id", reply.sessionId());
        body.put("room_url", reply.roomUrl());
        body.put("token", reply.token());
        return JsonResponses.json(200, body);
    }

    static ResponseEntity<byte[]> failed(SessionReply reply) {
        ErrorCode code = reply.errorCode();
        Integer retryAfter = null;
        if (code == ErrorCode.CONCURRENCY_LIMIT) {
            retryAfter = reply.retryAfterSeconds() == null ? 1 : Math.max(1, reply.retryAfterSeconds());
        }
        String message = reply.message() == null || reply.message().isBlank() ? defaultMessage(code) : reply.message();
        return JsonResponses.error(code.httpStatus(), code.wire(), message, retryAfter);
    }

    static String defaultMessage(ErrorCode code) {
        return switch (code) {
            case INVALID_REQUEST -> "Invalid request";
            case AGENT_NOT_FOUND -> "Agent not found";
            case AGENT_UNPUBLISHED -> "Agent is not published";
            case AUTH_FAILED -> "Origin is not allowed for this agent";
            case CONCURRENCY_LIMIT -> "Maximum concurrency reached";
            case ROOM_CREATION_FAILED -> "WebRTC room could not be created";
            case ORCHESTRATOR_ERROR -> "Agent orchestrator is unreachable or returned an error";
            case INTERNAL_ERROR -> "Unexpected server error";
            case SESSION_NOT_FOUND -> "Session not found";
            case IDEMPOTENCY_KEY_REUSED -> "This Idempotency-Key was already used with a different request body";
            case SESSION_ENDED -> "The session of this Idempotency-Key has ended; use a new key";
        };
    }
}
