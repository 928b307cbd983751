package ai.ojin.session.processor.topology;

import ai.ojin.session.events.reply.ErrorCode;
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
 * The processor's bookkeeping over its six stores, kept in step: the sessions (changelogged, the
 * truth), the active count per agent, the per-agent lease index (earliest lease first), the expiry
 * index (earliest first), the agents' lines (oldest waiter first) and the idempotency keys. Every
 * method touches a constant number of entries, whatever an agent's active count, except
 * {@link #rebuild()} and the line's {@link #position} (bounded by the line's length).
 */
final class SessionStore {

    private static final Logger log = LoggerFactory.getLogger(SessionStore.class);
    private static final StringSerializer PREFIX_SERIALIZER = new StringSerializer();

    private final KeyValueStore<String, SessionState> sessions;
    private final KeyValueStore<String, Integer> active;
    private final KeyValueStore<String, String> leases;
    private final KeyValueStore<String, String> expiry;
    /** See {@link #takeEarliestIndexed()}. */
    private long earliestIndexed = Long.MAX_VALUE;
    private final KeyValueStore<String, String> line;
    private final KeyValueStore<String, String> keys;

    SessionStore(ProcessorContext<?, ?> context) {
        sessions = context.getStateStore(SessionTopology.SESSIONS_STORE);
        active = context.getStateStore(SessionTopology.ACTIVE_STORE);
        leases = context.getStateStore(SessionTopology.LEASES_STORE);
        expiry = context.getStateStore(SessionTopology.EXPIRY_STORE);
        line = context.getStateStore(SessionTopology.LINE_STORE);
        keys = context.getStateStore(SessionTopology.KEYS_STORE);
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
        clear(line);
        clear(keys);
        Map<String, Integer> counts = new HashMap<>();
        try (KeyValueIterator<String, SessionState> it = sessions.all()) {
            while (it.hasNext()) {
                KeyValue<String, SessionState> entry = it.next();
                SessionState state = entry.value;
                if (state.live()) {
                    counts.merge(state.agentId(), 1, Integer::sum);
                    index(state, entry.key);
                } else if (state.waiting()) {
                    indexLine(state, entry.key);
                } else {
                    indexExpiry(state, entry.key);
                }
                indexKey(state, entry.key);
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
        indexKey(state, sessionId);
        int activeAfter = activeCount(state.agentId()) + 1;
        active.put(state.agentId(), activeAfter);
        return activeAfter;
    }

    /** Stores a session that joins its agent's line (it holds no slot). */
    void enqueue(String sessionId, SessionState state) {
        sessions.put(sessionId, state);
        indexLine(state, sessionId);
        indexKey(state, sessionId);
    }

    /** The agent's oldest waiter, or null. */
    String lineHead(String agentId) {
        try (KeyValueIterator<String, String> it = line.prefixScan(IndexKeys.agentPrefix(agentId), PREFIX_SERIALIZER)) {
            return it.hasNext() ? it.next().value : null;
        }
    }

    /** How many wait in the agent's line; O(line length), which is bounded. */
    int lineLength(String agentId) {
        return position(agentId, null);
    }

    /** The waiter's place in its agent's line (1 = next); with a null id, the line's length. O(position). */
    int position(String agentId, String sessionId) {
        int count = 0;
        try (KeyValueIterator<String, String> it = line.prefixScan(IndexKeys.agentPrefix(agentId), PREFIX_SERIALIZER)) {
            while (it.hasNext()) {
                count++;
                if (it.next().value.equals(sessionId)) {
                    return count;
                }
            }
        }
        return count;
    }

    /** Takes a waiter out of the line (the caller stores what it becomes). */
    void leaveLine(String sessionId, SessionState state) {
        line.delete(IndexKeys.line(state.agentId(), state.waiter().seq(), sessionId));
        expiry.delete(IndexKeys.expiry(state.until(), sessionId));
    }

    /** The session its agent's {@code Idempotency-Key} (hash) binds, or null. */
    String sessionOfKey(String agentId, String keyHash) {
        return keys.get(IndexKeys.key(agentId, keyHash));
    }

    /** Replaces a session's state without touching its index entries (same phase and time). */
    void put(String sessionId, SessionState state) {
        sessions.put(sessionId, state);
    }

    /** Replaces a live session's state, moving its index entries when its lease changed. */
    void update(String sessionId, SessionState before, SessionState after) {
        if (before.until() != after.until()) {
            unindex(before, sessionId);
            index(after, sessionId);
        }
        sessions.put(sessionId, after);
    }

    /**
     * Frees a live session's slot, once, and keeps a tombstone (keyed: with the answer a repeat gets);
     * returns the agent's active count after.
     */
    int close(String sessionId, SessionState state, long purgeAt, ErrorCode outcome) {
        unindex(state, sessionId);
        int activeAfter = Math.max(0, activeCount(state.agentId()) - 1);
        if (activeAfter == 0) {
            active.delete(state.agentId());
        } else {
            active.put(state.agentId(), activeAfter);
        }
        remember(sessionId, state.closed(purgeAt, outcome));
        return activeAfter;
    }

    /** Keeps a tombstone of a session that never held a slot (a keyed one keeps binding its key, a keyless one frees it). */
    void remember(String sessionId, SessionState tombstone) {
        sessions.put(sessionId, tombstone);
        indexExpiry(tombstone, sessionId);
        if (tombstone.key() != null) {
            indexKey(tombstone, sessionId);
        }
    }

    /** Stops a key from binding this session (a waiter that went away: the key may be used again). */
    void unbindKey(String sessionId, SessionState state) {
        if (state.key() != null) {
            String indexKey = IndexKeys.key(state.agentId(), state.key().hash());
            if (sessionId.equals(keys.get(indexKey))) {
                keys.delete(indexKey);
            }
        }
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

    /**
     * When the earliest expiry-index entry is due; empty when nothing waits for the clock. The
     * in-memory store copies the keys of every range it iterates, so the index is searched in
     * windows that grow from {@code now + 1 s}: what is copied is about what is due soonest.
     */
    OptionalLong nextDue(long now) {
        long window = 1_000;
        while (expiry.approximateNumEntries() > 0) {
            long to = now + window;
            if (to < now || to > Long.MAX_VALUE / 2) { // past any real time: the whole index
                try (KeyValueIterator<String, String> it = expiry.all()) {
                    return it.hasNext() ? OptionalLong.of(IndexKeys.expiryTime(it.next().key)) : OptionalLong.empty();
                }
            }
            try (KeyValueIterator<String, String> it = expiry.range(IndexKeys.expiryFrom(), IndexKeys.expiryTo(to))) {
                if (it.hasNext()) {
                    return OptionalLong.of(IndexKeys.expiryTime(it.next().key));
                }
            }
            window *= 16;
        }
        return OptionalLong.empty();
    }

    /**
     * The earliest time indexed in the expiry index since the last call ({@link Long#MAX_VALUE}:
     * none), so that a punctuation can be brought forward without searching the index per record.
     */
    long takeEarliestIndexed() {
        long earliest = earliestIndexed;
        earliestIndexed = Long.MAX_VALUE;
        return earliest;
    }

    /** Drops an expiry entry that no longer matches its session (stale). */
    void dropExpiry(Due entry) {
        expiry.delete(entry.key());
    }

    /** Purges a tombstone whose retention is over. */
    void purge(Due entry) {
        expiry.delete(entry.key());
        SessionState state = sessions.delete(entry.sessionId());
        if (state != null) {
            unbindKey(entry.sessionId(), state);
        }
    }

    private void index(SessionState state, String sessionId) {
        leases.put(IndexKeys.lease(state.agentId(), state.until(), sessionId), sessionId);
        indexExpiry(state, sessionId);
    }

    private void indexLine(SessionState state, String sessionId) {
        line.put(IndexKeys.line(state.agentId(), state.waiter().seq(), sessionId), sessionId);
        indexExpiry(state, sessionId);
    }

    private void indexKey(SessionState state, String sessionId) {
        if (state.key() != null) {
            keys.put(IndexKeys.key(state.agentId(), state.key().hash()), sessionId);
        }
    }

    private void indexExpiry(SessionState state, String sessionId) {
        expiry.put(IndexKeys.expiry(state.until(), sessionId), state.agentId());
        earliestIndexed = Math.min(earliestIndexed, state.until());
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
