package ai.ojin.session.events.fact;

import java.time.Instant;

public record SessionRequested(
        String sessionId,
        String agentId,
        Instant at,
        String clientUserRef,
        String origin,
        Instant requestedAt) implements SessionEvent {

    public static final String TYPE = "requested";

    @Override
    public String typeName() {
        return TYPE;
    }
}
