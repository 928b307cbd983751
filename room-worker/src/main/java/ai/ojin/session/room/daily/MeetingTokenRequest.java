package ai.ojin.session.room.daily;

import java.time.Duration;
import java.time.Instant;

/**
 * A room-scoped meeting token: it can be used to join its room until {@code exp} (Daily refuses a
 * join after it; whoever joined stays), and ejects its participant {@code ejectAfterElapsed} after
 * joining (null: never). {@code userId} (at most 36 characters, Daily's limit) comes back in
 * Daily's participant webhooks, which is how the worker tells the user from the bot.
 */
public record MeetingTokenRequest(String roomName, boolean owner, String userName, String userId, Instant exp,
                                  Duration ejectAfterElapsed) {

    public MeetingTokenRequest {
        if (userId != null && userId.length() > 36) {
            throw new IllegalArgumentException("Daily user_id has at most 36 characters");
        }
    }
}
