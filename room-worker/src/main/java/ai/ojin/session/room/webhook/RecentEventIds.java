package ai.ojin.session.room.webhook;

import java.util.LinkedHashMap;
import java.util.Map;

/** The most recent webhook event ids (bounded, oldest forgotten first), to drop duplicates. */
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

    public synchronized boolean contains(String id) {
        return ids.containsKey(id);
    }

    /** @return true when the id was new */
    public synchronized boolean add(String id) {
        return ids.put(id, Boolean.TRUE) == null;
    }
}
