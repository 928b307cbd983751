package ai.ojin.session.events.command;

import java.time.Instant;

/**
 * Gives the slot back. Releasing a session that already ended changes nothing.
 *
 * @param replyPartition when not null, the processor answers on that partition of
 *     {@code session-replies}: a success reply when this release ended a live session,
 *     {@code session_not_found} otherwise (used by the end-session call)
 */
public record ReleaseSession(
        String sessionId,
        String agentId,
        EndReason reason,
        Instant at,
        Integer replyPartition) implements SessionCommand {

    public ReleaseSession(String sessionId, String agentId, EndReason reason, Instant at) {
        this(sessionId, agentId, reason, at, null);
    }
}
