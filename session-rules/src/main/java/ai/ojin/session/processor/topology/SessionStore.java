package ai.ojin.session.processor.topology;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The processor's bookkeeping over its four stores, kept in step: the sessions (changelogged, the
 * truth), the active count per agent, the per-agent lease index (earliest lease first) and the
 * expiry index (earliest first). Every method touches a constant number of entries, whatever an
 * agent's active count; only {@link #rebuild()} scans.
 */
final class SessionStore {

    private static final Logger log = LoggerFactory.getLogger(SessionStore.class);
    private static final StringSerializer PREFIX_SERIALIZER = new StringSerializer();

    private final KeyValueStore<String, SessionState> sessions;
    private final KeyValueStore<String, Integer> active;
    private final KeyValueStore<String, String> leases;
    private final KeyValueStore<String, String> expiry;

    SessionStore(ProcessorContext<?, ?> context) {
        sessions = context.getStateStore(SessionTopology.SESSIONS_STORE);
        active = context.getStateStore(SessionTopology.ACTIVE_STORE);
        leases = context.getStateStore(SessionTopology.LEASES_STORE);
        expiry = context.getStateStore(SessionTopology.EXPIRY_STORE);
    }

    /** An entry due in the expiry index: a session and the time it was indexed with. */
    record Due(String sessionId, long until, String key) {
    }

    /**
     * The active counts and both indexes are functions of the sessions store and are not
     * changelogged. Streams initialises processors after the changelogged stores are restored, so
     * they are rebuilt here from the restored sessions; they are cleared first because a task that
     * is resumed may keep its stores open. O(sessions), once per task start.
     */
    void rebuild() {
        clear(active);
        clear(leases);
        clear(expiry);
        Map<String, Integer> counts = new HashMap<>();
        try (KeyValueIterator<String, SessionState> it = sessions.all()) {
            while (it.hasNext()) {
                KeyValue<String, SessionState> entry = it.next();
                SessionState state = entry.value;
                if (state.live()) {
                    counts.merge(state.agentId(), 1, Integer::sum);
                    index(state, entry.key);
                } else {
                    indexExpiry(state, entry.key);
                }
            }
        }
        counts.forEach(active::put);
        if (!counts.isEmpty()) {
            log.info("Rebuilt the concurrency state of {} agent(s) from the restored sessions", counts.size());
        }
    }

    SessionState get(String sessionId) {
        return sessions.get(sessionId);
    }

    int activeCount(String agentId) {
        Integer count = active.get(agentId);
        return count == null ? 0 : count;
    }

    /** Stores a newly admitted session and takes its slot; returns the agent's active count after. */
    int admit(String sessionId, SessionState state) {
        sessions.put(sessionId, state);
        index(state, sessionId);
        int activeAfter = activeCount(state.agentId()) + 1;
        active.put(state.agentId(), activeAfter);
        return activeAfter;
    }

    /** Replaces a live session's state, moving its index entries when its lease changed. */
    void update(String sessionId, SessionState before, SessionState after) {
        if (before.until() != after.until()) {
            unindex(before, sessionId);
            index(after, sessionId);
        }
        sessions.put(sessionId, after);
    }

    /** Frees a live session's slot, once, and keeps a tombstone; returns the agent's active count after. */
    int close(String sessionId, SessionState state, long purgeAt) {
        unindex(state, sessionId);
        int activeAfter = Math.max(0, activeCount(state.agentId()) - 1);
        if (activeAfter == 0) {
            active.delete(state.agentId());
        } else {
            active.put(state.agentId(), activeAfter);
        }
        remember(sessionId, state.closed(purgeAt));
        return activeAfter;
    }

    /** Keeps a tombstone of a session that never held a slot. */
    void remember(String sessionId, SessionState tombstone) {
        sessions.put(sessionId, tombstone);
        indexExpiry(tombstone, sessionId);
    }

    /** The end of the agent's earliest lease, if it has a live session. */
    OptionalLong earliestLease(String agentId) {
        try (KeyValueIterator<String, String> it = leases.prefixScan(IndexKeys.agentPrefix(agentId), PREFIX_SERIALIZER)) {
            return it.hasNext() ? OptionalLong.of(IndexKeys.leaseTime(it.next().key, agentId)) : OptionalLong.empty();
        }
    }

    /** Up to {@code max} expiry-index entries due by {@code now}, earliest first. */
    List<Due> due(long now, int max) {
        List<Due> due = new ArrayList<>();
        try (KeyValueIterator<String, String> it = expiry.range(IndexKeys.expiryFrom(), IndexKeys.expiryTo(now))) {
            while (it.hasNext() && due.size() < max) {
                String key = it.next().key;
                due.add(new Due(IndexKeys.expirySession(key), IndexKeys.expiryTime(key), key));
            }
        }
        return due;
    }

    /** Drops an expiry entry that no longer matches its session (stale). */
    void dropExpiry(Due entry) {
        expiry.delete(entry.key());
    }

    /** Purges a tombstone whose retention is over. */
    void purge(Due entry) {
        expiry.delete(entry.key());
        sessions.delete(entry.sessionId());
    }

    private void index(SessionState state, String sessionId) {
        leases.put(IndexKeys.lease(state.agentId(), state.until(), sessionId), sessionId);
        indexExpiry(state, sessionId);
    }

    private void indexExpiry(SessionState state, String sessionId) {
        expiry.put(IndexKeys.expiry(state.until(), sessionId), state.agentId());
    }

    private void unindex(SessionState state, String sessionId) {
        leases.delete(IndexKeys.lease(state.agentId(), state.until(), sessionId));
        expiry.delete(IndexKeys.expiry(state.until(), sessionId));
    }

    private static <V> void clear(KeyValueStore<String, V> store) {
        List<String> keys = new ArrayList<>();
        try (KeyValueIterator<String, V> it = store.all()) {
            it.forEachRemaining(entry -> keys.add(entry.key));
        }
        keys.forEach(store::delete);
    }
}
