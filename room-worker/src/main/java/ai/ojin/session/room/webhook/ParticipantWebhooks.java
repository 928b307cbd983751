package ai.ojin.session.room.webhook;

import ai.ojin.session.events.SessionIds;
import ai.ojin.session.events.command.ParticipantPresence;
import ai.ojin.session.events.command.ParticipantPresence.Change;
import ai.ojin.session.events.command.ParticipantPresence.Role;
import ai.ojin.session.room.session.ParticipantIds;
import java.time.Instant;
import java.util.Optional;
import tools.jackson.databind.JsonNode;

/**
 * Daily's {@code participant.joined} and {@code participant.left} webhooks as commands. Their
 * {@code payload} names the {@code room} (our session id, or a pooled room of a session), the meeting token's {@code user_id}
 * (tells user from bot, see {@link ParticipantIds}), the participant's {@code session_id} (one per
 * stay in the room), {@code joined_at} (epoch seconds) and, when leaving, {@code duration}
 * (seconds in the call). A webhook for a room or a token that is not ours gives no command.
 */
public final class ParticipantWebhooks {

    public static final String JOINED = "participant.joined";
    public static final String LEFT = "participant.left";

    private ParticipantWebhooks() {
    }

    public static boolean handles(String type) {
        return JOINED.equals(type) || LEFT.equals(type);
    }

    /**
     * The command for a verified participant webhook of {@code type}, or empty when it is not about a session of ours.
     *
     * @param room the session id of the payload's room (this deployment's prefix removed; for a pooled
     *     room, the session its assignment names), or null
     */
    public static Optional<ParticipantPresence> command(String type, JsonNode payload, String room) {
        Optional<String> agent = SessionIds.agentOf(room);
        Optional<Role> role = ParticipantIds.roleOf(room, payload.path("user_id").asString(null));
        String participant = payload.path("session_id").asString(null);
        if (agent.isEmpty() || role.isEmpty() || participant == null || participant.isBlank()) {
            return Optional.empty();
        }
        Change change = JOINED.equals(type) ? Change.JOINED : Change.LEFT;
        return Optional.of(new ParticipantPresence(room, agent.get(), role.get(), change, participant, at(change, payload)));
    }

    /** When it happened by Daily's account: the join, or the join + the time in the call; null when not given. */
    private static Instant at(Change change, JsonNode payload) {
        JsonNode joinedAt = payload.path("joined_at");
        if (!joinedAt.isNumber()) {
            return null;
        }
        double seconds = joinedAt.asDouble();
        if (change == Change.LEFT) {
            JsonNode duration = payload.path("duration");
            if (!duration.isNumber()) {
                return null;
            }
            seconds += duration.asDouble();
        }
        return Instant.ofEpochMilli(Math.round(seconds * 1000));
    }
}
