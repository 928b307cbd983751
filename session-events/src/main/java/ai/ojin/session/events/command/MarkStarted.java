package ai.ojin.session.events.command;

import java.time.Instant;

/** The room is up and the bot was sent: extend the start lease to the agent's session length. */
public record MarkStarted(
        String sessionId,
        String agentId,
        String roomName,
        String roomUrl,
        Instant at) implements SessionCommand {
}
