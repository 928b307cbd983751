package ai.ojin.session.history.query;

import ai.ojin.session.history.store.HistoryPage.Position;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.Base64;

/**
 * The opaque keyset cursor: the listing position (requested_at, session_id) of the last item
 * returned, base64url-encoded. A position stays valid while calls are added, so paging is stable.
 */
final class Cursor {

    private static final String VERSION = "v1";

    private Cursor() {
    }

    static String encode(Position position) {
        String text = VERSION + "|" + position.requestedAt() + "|" + position.sessionId();
        return Base64.getUrlEncoder().withoutPadding().encodeToString(text.getBytes(StandardCharsets.UTF_8));
    }

    static Position decode(String cursor) {
        try {
            String text = new String(Base64.getUrlDecoder().decode(cursor), StandardCharsets.UTF_8);
            String[] parts = text.split("\\|", 3);
            if (parts.length != 3 || !VERSION.equals(parts[0]) || parts[2].isEmpty()) {
                throw new InvalidRequestException("cursor is not valid");
            }
            return new Position(Instant.parse(parts[1]), parts[2]);
        } catch (IllegalArgumentException | DateTimeParseException e) {
            throw new InvalidRequestException("cursor is not valid");
        }
    }
}
