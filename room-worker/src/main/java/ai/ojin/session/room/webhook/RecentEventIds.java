package ai.ojin.session.room.webhook;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The most recent webhook event ids (bounded, oldest forgotten first), to drop duplicates. A
 * delivery claims its id before it acts, in one step, so parallel copies of one event act once;
 * a delivery that fails forgets its claim, so Daily's retry of it is not taken for a duplicate.
 */
public final class RecentEventIds {

    private final Map<String, Boolean> ids;

    public RecentEventIds(int capacity) {
        this.ids = new LinkedHashMap<>(Math.min(capacity, 1024), 0.75f, false) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<String, Boolean> eldest) {
                return size() > capacity;
            }
        };
    }

    /** @return true when the id was neither seen nor claimed before: the caller acts on it */
    public synchronized boolean claim(String id) {
        return ids.putIfAbsent(id, Boolean.TRUE) == null;
    }

    /** Gives up a claim whose action failed. */
    public synchronized void forget(String id) {
        ids.remove(id);
    }
}
