package ai.ojin.session.room.daily;

import ai.ojin.session.room.http.ExternalCallException;

/** Daily refused to create a room because one with that name exists. */
public class RoomExistsException extends ExternalCallException {

    public RoomExistsException(String name) {
        super("a room named " + name + " already exists", 400);
    }
}
