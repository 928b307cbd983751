package ai.ojin.session.events.command;

import java.time.Instant;

/**
 * Asks for a slot. {@code replyPartition} is the partition of {@code session-replies} that the
 * waiting connect-api instance reads; {@code deadline} is when that instance stops waiting (the
 * processor ignores a request it sees after its deadline). {@code instanceId} names the
 * connect-api instance that sent the request (null from older senders); the admission and the
 * worker's reply carry it on, so that only that instance ever releases a reply nobody waits for.
 */
public record RequestSession(
        String sessionId,
        String agentId,
        String clientUserRef,
        String origin,
        int replyPartition,
        Instant requestedAt,
        Instant deadline,
        String instanceId) implements SessionCommand {

    public RequestSession(String sessionId, String agentId, String clientUserRef, String origin, int replyPartition,
                          Instant requestedAt, Instant deadline) {
        this(sessionId, agentId, clientUserRef, origin, replyPartition, requestedAt, deadline, null);
    }
}
