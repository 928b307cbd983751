package ai.ojin.session.room.daily;

import java.util.List;

/** One page of Daily's room list. */
public record RoomPage(long totalCount, List<DailyRoom> rooms) {
}
