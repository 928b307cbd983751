package ai.ojin.session.events.command;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import java.time.Instant;

/**
 * Daily reported that a participant joined or left the session's room (verified webhooks
 * {@code participant.joined} / {@code participant.left}). Only the user's presence moves the
 * session's lease; the bot's is recorded.
 *
 * @param participantId Daily's id of this participant's stay in the room ({@code session_id} of
 *     the webhook payload): every join has a new one, so duplicates and a late join after its own
 *     leave are recognised
 * @param at when it happened, as Daily reports it (join time, or join time + duration for a leave)
 */
public record ParticipantPresence(
        String sessionId,
        String agentId,
        Role role,
        Change change,
        String participantId,
        Instant at) implements SessionCommand {

    /** Who the participant is, told by the {@code user_id} of the meeting token they joined with. */
    public enum Role {
        USER("user"),
        BOT("bot");

        private final String wire;

        Role(String wire) {
            this.wire = wire;
        }

        @JsonValue
        public String wire() {
            return wire;
        }

        @JsonCreator
        public static Role fromWire(String wire) {
            for (Role role : values()) {
                if (role.wire.equals(wire)) {
                    return role;
                }
            }
            throw new IllegalArgumentException("unknown participant role " + wire);
        }
    }

    public enum Change {
        JOINED("joined"),
        LEFT("left");

        private final String wire;

        Change(String wire) {
            this.wire = wire;
        }

        @JsonValue
        public String wire() {
            return wire;
        }

        @JsonCreator
        public static Change fromWire(String wire) {
            for (Change change : values()) {
                if (change.wire.equals(wire)) {
                    return change;
                }
            }
            throw new IllegalArgumentException("unknown participant change " + wire);
        }
    }
}
