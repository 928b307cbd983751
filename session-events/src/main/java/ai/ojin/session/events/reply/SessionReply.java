package ai.ojin.session.events.reply;

/**
 * The answer to one connect request, on {@code session-replies} (key = session id, partition =
 * the waiting instance's reply partition). The only record that may carry a meeting token; the
 * topic has short retention.
 *
 * @param errorCode null on success
 * @param retryAfterSeconds only with {@link ErrorCode#CONCURRENCY_LIMIT}
 * @param instanceId the connect-api instance that sent the request, echoed (null when unknown)
 * @param correlationId null: the waiting request waits under {@code sessionId}; else the id it
 *     waits under, which is not this session's (a repeated connect, answered with the session its
 *     {@code Idempotency-Key} names, or a line-position query)
 * @param position the answer to a line-position query: the place in the agent's line (1 = next),
 *     null when the session does not wait
 * @param lineLength with {@code position}: how many wait in the agent's line
 */
public record SessionReply(
        String sessionId,
        String roomUrl,
        String token,
        ErrorCode errorCode,
        String message,
        Integer retryAfterSeconds,
        String instanceId,
        String correlationId,
        Integer position,
        Integer lineLength) {

    public SessionReply(String sessionId, String roomUrl, String token, ErrorCode errorCode, String message,
                        Integer retryAfterSeconds, String instanceId) {
        this(sessionId, roomUrl, token, errorCode, message, retryAfterSeconds, instanceId, null, null, null);
    }

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

    /** The same reply for a request that waits under {@code id} (a repeat or a query); null keeps the session id. */
    public SessionReply correlatedTo(String id) {
        return new SessionReply(sessionId, roomUrl, token, errorCode, message, retryAfterSeconds, instanceId,
                id == null || id.equals(sessionId) ? null : id, position, lineLength);
    }

    /** The id the waiting request registered under: the correlation id, else the session id. */
    public String waitingId() {
        return correlationId != null ? correlationId : sessionId;
    }

    /** Whether this reply answers a request that waits under another id than the session's (see {@link #correlationId}). */
    public boolean correlated() {
        return correlationId != null;
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
                + ", errorCode=" + errorCode + ", retryAfterSeconds=" + retryAfterSeconds + ", instanceId=" + instanceId
                + ", correlationId=" + correlationId + ", position=" + position + ", lineLength=" + lineLength + "]";
    }
}
