package ai.ojin.session.events.fact;

import java.time.Instant;

/** The room is up and the bot was sent; the lease now runs to the agent's session length. */
public record SessionStarted(
        String sessionId,
        String agentId,
        Instant at,
        String roomName,
        String roomUrl,
        Instant leaseUntil) implements SessionEvent {

    public static final String TYPE = "started";

    @Override
    public String typeName() {
        return TYPE;
    }
}
