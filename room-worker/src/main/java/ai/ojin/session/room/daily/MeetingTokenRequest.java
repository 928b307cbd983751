package ai.ojin.session.room.daily;

import java.time.Instant;

/** A room-scoped meeting token that expires (and ejects) at {@code exp}. */
public record MeetingTokenRequest(String roomName, boolean owner, String userName, Instant exp) {
}
