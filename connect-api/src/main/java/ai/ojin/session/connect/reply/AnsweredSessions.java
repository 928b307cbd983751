package ai.ojin.session.connect.reply;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The sessions this instance answered (a waiting request took their success reply) or released
 * as abandoned recently, so that a second success reply for one of them (the worker re-runs an
 * idempotent set-up when an admitted fact is delivered again after a crash or rebalance, and can
 * only do so before the request's deadline) is not taken for a reply nobody waits for. Bounded
 * both ways: entries older than the retention go, and beyond {@code capacity} the oldest go.
 */
public class AnsweredSessions {

    private final Map<String, Instant> sessions = new LinkedHashMap<>();
    private final Duration retention;
    private final int capacity;
    private final Clock clock;

    public AnsweredSessions(Duration retention, int capacity, Clock clock) {
        this.retention = retention;
        this.capacity = capacity;
        this.clock = clock;
    }

    public synchronized void remember(String sessionId) {
        Instant now = clock.instant();
        sessions.remove(sessionId);
        sessions.put(sessionId, now);
        purge(now);
    }

    public synchronized boolean contains(String sessionId) {
        purge(clock.instant());
        return sessions.containsKey(sessionId);
    }

    public synchronized int size() {
        return sessions.size();
    }

    private void purge(Instant now) {
        Instant oldest = now.minus(retention);
        Iterator<Map.Entry<String, Instant>> it = sessions.entrySet().iterator();
        while (it.hasNext()) {
            Map.Entry<String, Instant> entry = it.next();
            if (sessions.size() > capacity || entry.getValue().isBefore(oldest)) {
                it.remove();
            } else {
                break; // insertion order = time order
            }
        }
    }
}
