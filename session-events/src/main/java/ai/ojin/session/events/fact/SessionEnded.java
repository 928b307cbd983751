package ai.ojin.session.events.fact;

import ai.ojin.session.events.command.EndReason;
import java.time.Instant;

/** An admitted session is over and its slot is free again ({@code activeAfter}). */
public record SessionEnded(
        String sessionId,
        String agentId,
        Instant at,
        EndReason reason,
        int activeAfter) implements SessionEvent {

    public static final String TYPE = "ended";

    @Override
    public String typeName() {
        return TYPE;
    }
}
