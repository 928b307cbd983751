package ai.ojin.session.events.reply;

/**
 * The answer to one connect request, on {@code session-replies} (key = session id, partition =
 * the waiting instance's reply partition). The only record that may carry a meeting token; the
 * topic has short retention.
 *
 * @param errorCode null on success
 * @param retryAfterSeconds only with {@link ErrorCode#CONCURRENCY_LIMIT}
 * @param instanceId the connect-api instance that sent the request, echoed (null when unknown)
 */
public record SessionReply(
        String sessionId,
        String roomUrl,
        String token,
        ErrorCode errorCode,
        String message,
        Integer retryAfterSeconds,
        String instanceId) {

    public SessionReply(String sessionId, String roomUrl, String token, ErrorCode errorCode, String message,
                        Integer retryAfterSeconds) {
        this(sessionId, roomUrl, token, errorCode, message, retryAfterSeconds, null);
    }

    public static SessionReply success(String sessionId, String roomUrl, String token) {
        return new SessionReply(sessionId, roomUrl, token, null, null, null);
    }

    /** A connect's success, addressed to the instance that asked. */
    public static SessionReply success(String sessionId, String roomUrl, String token, String instanceId) {
        return new SessionReply(sessionId, roomUrl, token, null, null, null, instanceId);
    }

    public static SessionReply error(String sessionId, ErrorCode errorCode, String message) {
        return new SessionReply(sessionId, null, null, errorCode, message, null);
    }

    public static SessionReply rejected(String sessionId, int retryAfterSeconds, String message) {
        return new SessionReply(sessionId, null, null, ErrorCode.CONCURRENCY_LIMIT, message, retryAfterSeconds);
    }

    public boolean ok() {
        return errorCode == null;
    }

    /** A success that hands out a room: a connect's answer (an end-session success carries none). */
    public boolean admitsToRoom() {
        return ok() && token != null;
    }

    @Override
    public String toString() {
        // Never print the token.
        return "SessionReply[sessionId=" + sessionId + ", roomUrl=" + roomUrl + ", token=" + (token == null ? null : "***")
                + ", errorCode=" + errorCode + ", retryAfterSeconds=" + retryAfterSeconds + ", instanceId=" + instanceId + "]";
    }
}
