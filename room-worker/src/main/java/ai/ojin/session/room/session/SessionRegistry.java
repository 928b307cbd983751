package ai.ojin.session.room.session;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * What this worker knows about sessions from the facts it read: live sessions (admitted or
 * started, not yet ended or failed) and recently ended ones (bounded), so that a redelivered
 * admission of an ended session is not set up again and the reconciliation spares live rooms.
 */
public final class SessionRegistry {

    private static final int ENDED_CAPACITY = 100_000;

    private final Set<String> live = ConcurrentHashMap.newKeySet();
    private final Map<String, Boolean> ended = Collections.synchronizedMap(new LinkedHashMap<>(1024, 0.75f, false) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, Boolean> eldest) {
            return size() > ENDED_CAPACITY;
        }
    });

    /** What a set-up that failed here never asked for: no meeting token, or not even a room. */
    private enum NeverAsked { TOKENS, ROOM }

    private final Map<String, NeverAsked> neverAsked = Collections.synchronizedMap(
            new LinkedHashMap<>(1024, 0.75f, false) {
                @Override
                protected boolean removeEldestEntry(Map.Entry<String, NeverAsked> eldest) {
                    return size() > ENDED_CAPACITY;
                }
            });

    /** The session's set-up ended here before any meeting token was asked for: nobody can join its room. */
    public void noTokensIssued(String sessionId) {
        neverAsked.putIfAbsent(sessionId, NeverAsked.TOKENS);
    }

    /** The session's set-up failed here before it asked Daily for any room: there is no room to close. */
    public void noRoomRequested(String sessionId) {
        neverAsked.put(sessionId, NeverAsked.ROOM);
    }

    /** True when this worker knows no token of the session was ever issued (false: unknown, or issued). */
    public boolean knownWithoutTokens(String sessionId) {
        return neverAsked.containsKey(sessionId);
    }

    /** True when this worker knows the session's set-up never asked Daily for a room. */
    public boolean knownWithoutRoom(String sessionId) {
        return neverAsked.get(sessionId) == NeverAsked.ROOM;
    }

    public void admitted(String sessionId) {
        if (!ended.containsKey(sessionId)) {
            live.add(sessionId);
        }
    }

    public void started(String sessionId) {
        admitted(sessionId);
    }

    /** The set-up failed here (the {@code failed} fact follows). */
    public void failed(String sessionId) {
        live.remove(sessionId);
    }

    /** The session ended or failed: its slot is free, its room and bot go. */
    public void ended(String sessionId) {
        ended.put(sessionId, Boolean.TRUE);
        live.remove(sessionId);
    }

    public boolean hasEnded(String sessionId) {
        return ended.containsKey(sessionId);
    }

    /** Admitted or started and not over, as far as this worker has read. */
    public boolean isKnownLive(String sessionId) {
        return live.contains(sessionId);
    }

    public int liveCount() {
        return live.size();
    }
}
