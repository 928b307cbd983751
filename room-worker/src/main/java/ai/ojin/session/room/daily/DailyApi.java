package ai.ojin.session.room.daily;

import ai.ojin.session.room.http.Deadline;
import java.time.Instant;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/**
 * The part of Daily's REST API the worker uses. Futures fail with
 * {@link ai.ojin.session.room.http.ExternalCallException} (or {@link RoomExistsException}).
 */
public interface DailyApi {

    /** Creates a private room that expires (and ejects everyone) at {@code exp}. */
    CompletableFuture<DailyRoom> createRoom(String name, Instant exp, Deadline deadline);

    CompletableFuture<Optional<DailyRoom>> getRoom(String name, Deadline deadline);

    /** @return true when deleted, false when there was no such room */
    CompletableFuture<Boolean> deleteRoom(String name, Deadline deadline);

    /** @return the token (a secret: never log it) */
    CompletableFuture<String> mintToken(MeetingTokenRequest request, Deadline deadline);

    /** @param startingAfter the id of the last room of the previous page, or null */
    CompletableFuture<RoomPage> listRooms(String startingAfter, int limit, Deadline deadline);
}
