package ai.ojin.session.room.daily;

import ai.ojin.session.room.http.Deadline;
import ai.ojin.session.room.http.Priority;
import java.time.Instant;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/**
 * The part of Daily's REST API the worker uses. Futures fail with
 * {@link ai.ojin.session.room.http.ExternalCallException} (or {@link RoomExistsException}).
 */
public interface DailyApi {

    /** Creates a private room that expires (and ejects everyone) at {@code exp}, for a set-up that waits. */
    default CompletableFuture<DailyRoom> createRoom(String name, Instant exp, Deadline deadline) {
        return createRoom(name, exp, Priority.SETUP, deadline);
    }

    /** Creates a private room; {@code priority} orders it under a Daily rate limit (the pool refills in the background). */
    CompletableFuture<DailyRoom> createRoom(String name, Instant exp, Priority priority, Deadline deadline);

    /** The domain's id ({@code domain_id} of {@code GET /}, Daily's domain configuration), for self-signed tokens. */
    CompletableFuture<String> domainId(Deadline deadline);

    CompletableFuture<Optional<DailyRoom>> getRoom(String name, Deadline deadline);

    /**
     * Closes a room at {@code exp} (Daily's room update {@code POST /rooms/:name} with {@code exp} and
     * {@code eject_at_room_exp}): after it nobody can join, and whoever is in it is ejected. A call
     * of the standard family at {@link Priority#ENDING}, so that ending a session never waits for
     * Daily's much smaller budget of room deletes.
     *
     * @return true when closed, false when there was no such room
     */
    default CompletableFuture<Boolean> closeRoom(String name, Instant exp, Deadline deadline) {
        return setRoomExp(name, exp, Priority.ENDING, deadline).thenApply(Optional::isPresent);
    }

    /**
     * Sets a room's {@code exp} (with {@code eject_at_room_exp}), Daily's room update: a close when
     * {@code exp} is now, a reopen of a closed room when it is in the future. Standard family.
     *
     * @return the room as updated, empty when there was no such room
     */
    CompletableFuture<Optional<DailyRoom>> setRoomExp(String name, Instant exp, Priority priority, Deadline deadline);

    /**
     * Deletes a room (Daily's delete family: 2 requests/s, 50 per 30 s per domain); {@code priority}
     * orders it among the deletes waiting for a permit.
     *
     * @return true when deleted, false when there was no such room
     */
    CompletableFuture<Boolean> deleteRoom(String name, Priority priority, Deadline deadline);

    /** @return the token (a secret: never log it) */
    CompletableFuture<String> mintToken(MeetingTokenRequest request, Deadline deadline);

    /**
     * True while a set-up's room call would be refused at once because ending sessions have waited
     * too long for Daily's budget ({@code room.daily.limits.ending-max-wait}): a set-up that needs a
     * room call then fails before asking for a room.
     */
    default boolean refusesSetups() {
        return false;
    }

    /** @param startingAfter the id of the last room of the previous page, or null (housekeeping priority) */
    CompletableFuture<RoomPage> listRooms(String startingAfter, int limit, Deadline deadline);
}
