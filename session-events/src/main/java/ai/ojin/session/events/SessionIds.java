package ai.ojin.session.events;

import java.security.SecureRandom;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * Session ids carry their agent id: {@code <agent_id>_<26 random base32 characters>}. The
 * session's Daily room has the session id as its name, so a webhook that names a room, or an
 * end-session call that names a session, can be routed to the agent's partition without a
 * lookup. Agent ids are limited to {@link #AGENT_ID} so that session ids stay valid Daily room
 * names (letters, digits, {@code -} and {@code _}, at most 128 characters).
 */
public final class SessionIds {

    /** What an agent id may look like. */
    public static final Pattern AGENT_ID = Pattern.compile("[A-Za-z0-9_-]{1,64}");

    private static final char[] ALPHABET = "abcdefghijklmnopqrstuvwxyz234567".toCharArray();
    private static final int RANDOM_CHARS = 26;
    private static final Pattern SESSION_ID = Pattern.compile("([A-Za-z0-9_-]{1,64})_([a-z2-7]{26})");
    private static final SecureRandom RANDOM = new SecureRandom();

    private SessionIds() {
    }

    public static boolean isValidAgentId(String agentId) {
        return agentId != null && AGENT_ID.matcher(agentId).matches();
    }

    /** A new unguessable session id for an agent whose id is valid. */
    public static String newSessionId(String agentId) {
        if (!isValidAgentId(agentId)) {
            throw new IllegalArgumentException("invalid agent id");
        }
        char[] random = new char[RANDOM_CHARS];
        for (int i = 0; i < RANDOM_CHARS; i++) {
            random[i] = ALPHABET[RANDOM.nextInt(ALPHABET.length)];
        }
        return agentId + "_" + new String(random);
    }

    /**
     * The random part of a session id (its last 26 characters), or empty when the text is not a
     * session id. Short enough to name the session where the whole id does not fit (a Daily
     * {@code user_id} has at most 36 characters).
     */
    public static Optional<String> randomPartOf(String sessionId) {
        if (sessionId == null) {
            return Optional.empty();
        }
        var matcher = SESSION_ID.matcher(sessionId);
        return matcher.matches() ? Optional.of(matcher.group(2)) : Optional.empty();
    }

    /** The agent a session id belongs to, or empty when the text is not a session id. */
    public static Optional<String> agentOf(String sessionId) {
        if (sessionId == null) {
            return Optional.empty();
        }
        var matcher = SESSION_ID.matcher(sessionId);
        return matcher.matches() ? Optional.of(matcher.group(1)) : Optional.empty();
    }
}
