package ai.ojin.session.room.pool;

import ai.ojin.session.room.daily.DailyRoom;
import java.time.Instant;

/** A room of the warm pool and the {@code exp} it was created with. */
public record PooledRoom(DailyRoom room, Instant exp) {

    public String name() {
        return room.name();
    }
}
