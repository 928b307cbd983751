package ai.ojin.session.events.fact;

import ai.ojin.session.events.command.ParticipantPresence.Role;
import java.time.Instant;

/**
 * A participant joined the session's room. For the user, {@code leaseUntil} is the session's lease
 * from now on (first join + {@code max_session_seconds} + grace); for the bot it is unchanged.
 */
public record ParticipantJoined(
        String sessionId,
        String agentId,
        Instant at,
        Role role,
        String participantId,
        Instant joinedAt,
        Instant leaseUntil) implements SessionEvent {

    public static final String TYPE = "joined";

    @Override
    public String typeName() {
        return TYPE;
    }

    @Override
    public String eventId() {
        return sessionId + "/" + TYPE + "/" + participantId;
    }
}
