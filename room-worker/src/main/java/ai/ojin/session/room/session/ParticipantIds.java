package ai.ojin.session.room.session;

import ai.ojin.session.events.SessionIds;
import ai.ojin.session.events.command.ParticipantPresence.Role;
import java.util.Optional;

/**
 * The {@code user_id}s of a session's meeting tokens: {@code u-} (the user) or {@code b-} (the
 * bot) + the session id's 26 random characters, 28 characters in all (Daily allows 36; a whole
 * session id can be 91). Daily's participant webhooks name the room (= the session id) and the
 * token's {@code user_id}, so together they give the session and the role; a {@code user_id} that
 * does not belong to the room's session is not ours.
 */
public final class ParticipantIds {

    private static final String USER = "u-";
    private static final String BOT = "b-";

    private ParticipantIds() {
    }

    public static String userId(String sessionId, Role role) {
        String random = SessionIds.randomPartOf(sessionId)
                .orElseThrow(() -> new IllegalArgumentException("not a session id: " + sessionId));
        return (role == Role.USER ? USER : BOT) + random;
    }

    /** The role of {@code userId} in the session {@code room}, or empty when it is not one of its tokens. */
    public static Optional<Role> roleOf(String room, String userId) {
        Optional<String> random = SessionIds.randomPartOf(room);
        if (random.isEmpty() || userId == null || userId.length() != USER.length() + random.get().length()
                || !userId.endsWith(random.get())) {
            return Optional.empty();
        }
        if (userId.startsWith(USER)) {
            return Optional.of(Role.USER);
        }
        return userId.startsWith(BOT) ? Optional.of(Role.BOT) : Optional.empty();
    }
}
