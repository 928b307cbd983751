package ai.ojin.session.events.command;

import java.time.Instant;

/** Gives the slot back. Releasing a session that already ended changes nothing. */
public record ReleaseSession(
        String sessionId,
        String agentId,
        EndReason reason,
        Instant at) implements SessionCommand {
}
