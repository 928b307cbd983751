package ai.ojin.session.room.daily;

import java.time.Instant;

/**
 * A Daily room as we use it; {@code createdAt} and {@code exp} (after it nobody can join the room)
 * may be null when Daily did not say.
 */
public record DailyRoom(String id, String name, String url, String privacy, Instant createdAt, Instant exp) {
}
