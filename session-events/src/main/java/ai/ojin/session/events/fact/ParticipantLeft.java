package ai.ojin.session.events.fact;

import ai.ojin.session.events.command.ParticipantPresence.Role;
import java.time.Instant;

/**
 * A participant left the session's room. When the last user left, {@code leaseUntil} is the
 * rejoin lease (the session ends {@code user_left} unless the user joins again by then).
 */
public record ParticipantLeft(
        String sessionId,
        String agentId,
        Instant at,
        Role role,
        String participantId,
        Instant leftAt,
        Instant leaseUntil) implements SessionEvent {

    public static final String TYPE = "left";

    @Override
    public String typeName() {
        return TYPE;
    }

    @Override
    public String eventId() {
        return sessionId + "/" + TYPE + "/" + participantId;
    }
}
