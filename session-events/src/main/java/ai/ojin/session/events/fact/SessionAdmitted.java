package ai.ojin.session.events.fact;

import java.time.Instant;

/**
 * A slot was granted. {@code maxConcurrency} is the limit in force and {@code activeAfter} the
 * agent's active count including this session, so the invariant can be checked from the log.
 * {@code leaseUntil} is the start lease; {@code maxSessionSeconds} bounds the room and tokens.
 * {@code instanceId} is the connect-api instance that asked (null when the request named none).
 */
public record SessionAdmitted(
        String sessionId,
        String agentId,
        Instant at,
        String clientUserRef,
        int replyPartition,
        int maxConcurrency,
        int activeAfter,
        int maxSessionSeconds,
        Instant leaseUntil,
        Instant deadline,
        String instanceId) implements SessionEvent {

    public SessionAdmitted(String sessionId, String agentId, Instant at, String clientUserRef, int replyPartition,
                           int maxConcurrency, int activeAfter, int maxSessionSeconds, Instant leaseUntil, Instant deadline) {
        this(sessionId, agentId, at, clientUserRef, replyPartition, maxConcurrency, activeAfter, maxSessionSeconds,
                leaseUntil, deadline, null);
    }

    public static final String TYPE = "admitted";

    @Override
    public String typeName() {
        return TYPE;
    }
}
