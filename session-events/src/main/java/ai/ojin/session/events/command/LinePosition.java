package ai.ojin.session.events.command;

import java.time.Instant;

/**
 * Asks where the connect with this {@code Idempotency-Key} (its hash) stands in the agent's line.
 * The processor answers on {@code replyPartition} of {@code session-replies}, correlated by
 * {@code sessionId} (the query's own id, never a session's): the waiting session's id with its
 * {@code position} and the line's length, the session's id without a position once it left the
 * line, or {@code session_not_found}. It changes nothing and writes no fact.
 */
public record LinePosition(String sessionId, String agentId, Instant at, String idempotencyKey, int replyPartition)
        implements SessionCommand {
}
