package ai.ojin.session.room.daily;

import java.time.Instant;

/** A Daily room as we use it; {@code createdAt} may be null when Daily did not say. */
public record DailyRoom(String id, String name, String url, String privacy, Instant createdAt) {
}
