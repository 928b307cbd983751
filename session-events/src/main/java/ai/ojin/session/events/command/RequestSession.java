package ai.ojin.session.events.command;

import java.time.Instant;

/**
 * Asks for a slot. {@code replyPartition} is the partition of {@code session-replies} that the
 * waiting connect-api instance reads; {@code deadline} is when that instance stops waiting (the
 * processor ignores a request it sees after its deadline).
 */
public record RequestSession(
        String sessionId,
        String agentId,
        String clientUserRef,
        String origin,
        int replyPartition,
        Instant requestedAt,
        Instant deadline) implements SessionCommand {
}
