package ai.ojin.session.processor.topology;

import ai.ojin.session.events.SessionIds;
import ai.ojin.session.events.agent.Agent;
import ai.ojin.session.events.command.EndReason;
import ai.ojin.session.events.command.Heartbeat;
import ai.ojin.session.events.command.MarkStarted;
import ai.ojin.session.events.command.ReleaseSession;
import ai.ojin.session.events.command.RequestSession;
import ai.ojin.session.events.command.SessionCommand;
import ai.ojin.session.events.fact.SessionAdmitted;
import ai.ojin.session.events.fact.SessionEnded;
import ai.ojin.session.events.fact.SessionEvent;
import ai.ojin.session.events.fact.SessionFailed;
import ai.ojin.session.events.fact.SessionRejected;
import ai.ojin.session.events.fact.SessionRequested;
import ai.ojin.session.events.fact.SessionStarted;
import ai.ojin.session.events.reply.ErrorCode;
import ai.ojin.session.events.reply.SessionReply;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Applies session commands to the concurrency state and emits the resulting facts and replies.
 * All times are wall clock ({@link ProcessorContext#currentSystemTimeMs()}).
 *
 * <p><b>Requests.</b> A request for a session id already known (live, or closed less than
 * {@link LeaseSettings#tombstoneRetention()} ago) is a duplicate and changes nothing. Otherwise a
 * {@code requested} fact is written, then exactly one decision: past its {@code deadline} ->
 * {@code rejected(internal_error)}; unknown agent -> {@code rejected(agent_not_found)};
 * unpublished -> {@code rejected(agent_unpublished)}; {@code active < max_concurrency} ->
 * {@code admitted} with a start lease of {@link LeaseSettings#startLease()}; else
 * {@code rejected(concurrency_limit)} with {@code retry_after_seconds}. Every rejection is also
 * answered on {@code session-replies}; an admission is answered by the room-worker.
 *
 * <p><b>{@code retry_after_seconds}</b> = the whole seconds, rounded up, until the earliest lease
 * of that agent's live sessions ends (the latest moment a slot is sure to come back unless it is
 * released earlier), clamped to {@code [1, maxRetryAfter]} (default 60 s); {@code maxRetryAfter}
 * when the agent has no live session (a limit of 0). A started session's lease ends at
 * start + {@code max_session_seconds} + grace, an admitted one's at admission + start lease.
 *
 * <p><b>Leases.</b> {@code MarkStarted} for an admitted session writes {@code started} and extends
 * the lease to now + the agent's {@code max_session_seconds} + {@link LeaseSettings#grace()};
 * for a session that is unknown, closed or already started it does nothing. A wall-clock
 * punctuator every {@link LeaseSettings#punctuateInterval()} range-scans the expiry index up to
 * now: an expired live session is {@code ended(lease_expired)}, an old tombstone is purged.
 *
 * <p><b>Releases.</b> Releasing a live session frees its slot once: {@code failed} (reasons with
 * an error code) or {@code ended}, and a success reply when the command names a reply partition.
 * Releasing an unknown or closed session writes no fact and, with a reply partition, answers
 * {@code session_not_found}.
 *
 * <p><b>Heartbeats</b> are answered with a success reply on their reply partition and change
 * nothing (connect-api's readiness asks every partition whether its task runs).
 *
 * <p>Per-command cost does not depend on how many sessions an agent has: one session entry, one
 * counter, and index entries addressed by key (the retry-after lookup reads the first entry of a
 * prefix scan).
 */
final class SessionCommandProcessor implements Processor<String, SessionCommand, String, Output> {

    private static final Logger log = LoggerFactory.getLogger(SessionCommandProcessor.class);
    private static final StringSerializer PREFIX_SERIALIZER = new StringSerializer();
    /** Bounds one punctuation; what is left is handled by the next one. */
    private static final int MAX_EXPIRIES_PER_PUNCTUATION = 10_000;

    private final LeaseSettings settings;
    private ProcessorContext<String, Output> context;
    private KeyValueStore<String, Agent> agents;
    private KeyValueStore<String, SessionState> sessions;
    private KeyValueStore<String, Integer> active;
    private KeyValueStore<String, String> leases;
    private KeyValueStore<String, String> expiry;

    SessionCommandProcessor(LeaseSettings settings) {
        this.settings = settings;
    }

    @Override
    public void init(ProcessorContext<String, Output> context) {
        this.context = context;
        agents = context.getStateStore(SessionTopology.AGENTS_STORE);
        sessions = context.getStateStore(SessionTopology.SESSIONS_STORE);
        active = context.getStateStore(SessionTopology.ACTIVE_STORE);
        leases = context.getStateStore(SessionTopology.LEASES_STORE);
        expiry = context.getStateStore(SessionTopology.EXPIRY_STORE);
        rebuildDerivedState();
        context.schedule(settings.punctuateInterval(), PunctuationType.WALL_CLOCK_TIME, this::expire);
    }

    /**
     * The active counts and both indexes are functions of the sessions store and are not
     * changelogged. Streams initialises processors after the changelogged stores are restored, so
     * they are rebuilt here from the restored sessions; they are cleared first because a task that
     * is resumed may keep its stores open. O(sessions), once per task start.
     */
    private void rebuildDerivedState() {
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

    private static <V> void clear(KeyValueStore<String, V> store) {
        List<String> keys = new ArrayList<>();
        try (KeyValueIterator<String, V> it = store.all()) {
            it.forEachRemaining(entry -> keys.add(entry.key));
        }
        keys.forEach(store::delete);
    }

    @Override
    public void process(Record<String, SessionCommand> record) {
        SessionCommand command = record.value();
        if (command instanceof Heartbeat heartbeat) {
            // Proof of life for connect-api's readiness: answered, nothing else changes.
            reply(heartbeat.replyPartition(), SessionReply.success(heartbeat.sessionId(), null, null),
                    context.currentSystemTimeMs());
            return;
        }
        if (command == null || command.sessionId() == null || command.agentId() == null) {
            log.error("Dropping malformed command key={} value={} (partition {}, offset {})", record.key(), command,
                    context.recordMetadata().map(m -> m.partition()).orElse(-1),
                    context.recordMetadata().map(m -> m.offset()).orElse(-1L));
            return;
        }
        if (!command.agentId().equals(record.key())) {
            log.error("Dropping command for session {}: key {} is not its agent id {}", command.sessionId(), record.key(),
                    command.agentId());
            return;
        }
        long now = context.currentSystemTimeMs();
        if (command instanceof RequestSession request) {
            request(request, now);
        } else if (command instanceof MarkStarted started) {
            markStarted(started, now);
        } else if (command instanceof ReleaseSession release) {
            release(release, now);
        }
    }

    private void request(RequestSession request, long now) {
        String sessionId = request.sessionId();
        String agentId = request.agentId();
        if (sessions.get(sessionId) != null) {
            log.debug("Duplicate request for session {} ignored", sessionId);
            return;
        }
        Instant at = Instant.ofEpochMilli(now);
        fact(new SessionRequested(sessionId, agentId, at, request.clientUserRef(), request.origin(), request.requestedAt()), now);

        if (request.deadline() != null && now > request.deadline().toEpochMilli()) {
            log.warn("Session {} requested for agent {} reached the processor {} ms after its deadline", sessionId, agentId,
                    now - request.deadline().toEpochMilli());
            reject(request, ErrorCode.INTERNAL_ERROR, "The request expired before it could be processed", null, null, null, now);
            return;
        }
        Agent agent = SessionIds.isValidAgentId(agentId) ? agents.get(agentId) : null;
        if (agent == null) {
            reject(request, ErrorCode.AGENT_NOT_FOUND, "Agent not found", null, null, null, now);
            return;
        }
        if (!agent.published()) {
            reject(request, ErrorCode.AGENT_UNPUBLISHED, "Agent is not published", null, null, null, now);
            return;
        }
        int activeNow = activeCount(agentId);
        if (activeNow >= agent.maxConcurrency()) {
            int retryAfter = retryAfterSeconds(agentId, now);
            reject(request, ErrorCode.CONCURRENCY_LIMIT,
                    "Agent has reached its maximum of " + agent.maxConcurrency() + " concurrent sessions",
                    retryAfter, agent.maxConcurrency(), activeNow, now);
            return;
        }
        long leaseUntil = now + settings.startLease().toMillis();
        SessionState state = new SessionState(agentId, SessionState.Phase.ADMITTED, leaseUntil, agent.maxSessionSeconds());
        sessions.put(sessionId, state);
        index(state, sessionId);
        int activeAfter = activeNow + 1;
        active.put(agentId, activeAfter);
        fact(new SessionAdmitted(sessionId, agentId, at, request.clientUserRef(), request.replyPartition(),
                agent.maxConcurrency(), activeAfter, agent.maxSessionSeconds(), Instant.ofEpochMilli(leaseUntil),
                request.deadline()), now);
    }

    private void reject(RequestSession request, ErrorCode code, String message, Integer retryAfter, Integer limit,
            Integer activeNow, long now) {
        String sessionId = request.sessionId();
        remember(sessionId, new SessionState(request.agentId(), SessionState.Phase.CLOSED, 0, 0), now);
        fact(new SessionRejected(sessionId, request.agentId(), Instant.ofEpochMilli(now), code, retryAfter, limit, activeNow),
                now);
        SessionReply reply = retryAfter != null
                ? SessionReply.rejected(sessionId, retryAfter, message)
                : SessionReply.error(sessionId, code, message);
        reply(request.replyPartition(), reply, now);
    }

    private void markStarted(MarkStarted command, long now) {
        String sessionId = command.sessionId();
        SessionState state = sessions.get(sessionId);
        if (state == null || state.phase() != SessionState.Phase.ADMITTED || !state.agentId().equals(command.agentId())) {
            log.debug("MarkStarted for session {} ignored (state {})", sessionId, state);
            return;
        }
        unindex(state, sessionId);
        long leaseUntil = now + state.maxSessionSeconds() * 1000L + settings.grace().toMillis();
        SessionState started = state.started(leaseUntil);
        sessions.put(sessionId, started);
        index(started, sessionId);
        fact(new SessionStarted(sessionId, state.agentId(), Instant.ofEpochMilli(now), command.roomName(), command.roomUrl(),
                Instant.ofEpochMilli(leaseUntil)), now);
    }

    private void release(ReleaseSession command, long now) {
        String sessionId = command.sessionId();
        SessionState state = sessions.get(sessionId);
        EndReason reason = command.reason() == null ? EndReason.END_CALL : command.reason();
        if (state == null || !state.live() || !state.agentId().equals(command.agentId())) {
            log.debug("Release ({}) of session {} ignored: no live session", reason.wire(), sessionId);
            if (command.replyPartition() != null) {
                reply(command.replyPartition(), SessionReply.error(sessionId, ErrorCode.SESSION_NOT_FOUND,
                        "no live session with this id"), now);
            }
            return;
        }
        end(sessionId, state, reason, now);
        if (command.replyPartition() != null) {
            reply(command.replyPartition(), SessionReply.success(sessionId, null, null), now);
        }
    }

    /** Frees a live session's slot, once, and keeps a tombstone for duplicates. */
    private void end(String sessionId, SessionState state, EndReason reason, long now) {
        unindex(state, sessionId);
        int activeAfter = Math.max(0, activeCount(state.agentId()) - 1);
        if (activeAfter == 0) {
            active.delete(state.agentId());
        } else {
            active.put(state.agentId(), activeAfter);
        }
        remember(sessionId, state, now);
        Instant at = Instant.ofEpochMilli(now);
        SessionEvent fact = reason.failure() != null
                ? new SessionFailed(sessionId, state.agentId(), at, reason.failure(), activeAfter)
                : new SessionEnded(sessionId, state.agentId(), at, reason, activeAfter);
        fact(fact, now);
    }

    /** Wall-clock punctuation: end live sessions whose lease ran out, purge old tombstones. */
    private void expire(long now) {
        List<KeyValue<String, String>> due = new ArrayList<>();
        try (KeyValueIterator<String, String> it = expiry.range(IndexKeys.expiryFrom(), IndexKeys.expiryTo(now))) {
            while (it.hasNext() && due.size() < MAX_EXPIRIES_PER_PUNCTUATION) {
                due.add(it.next());
            }
        }
        int expired = 0;
        for (KeyValue<String, String> entry : due) {
            String sessionId = IndexKeys.expirySession(entry.key);
            SessionState state = sessions.get(sessionId);
            if (state == null || state.until() != IndexKeys.expiryTime(entry.key)) {
                expiry.delete(entry.key); // stale entry
            } else if (state.live()) {
                end(sessionId, state, EndReason.LEASE_EXPIRED, now);
                expired++;
            } else {
                expiry.delete(entry.key);
                sessions.delete(sessionId);
            }
        }
        if (expired > 0) {
            log.info("Lease expired for {} session(s)", expired);
        }
    }

    private int retryAfterSeconds(String agentId, long now) {
        long maxSeconds = settings.maxRetryAfter().toSeconds();
        long seconds = maxSeconds;
        try (KeyValueIterator<String, String> it = leases.prefixScan(IndexKeys.agentPrefix(agentId), PREFIX_SERIALIZER)) {
            if (it.hasNext()) {
                long untilMs = IndexKeys.leaseTime(it.next().key, agentId) - now;
                seconds = Math.floorDiv(untilMs + 999, 1000);
            }
        }
        return (int) Math.max(1, Math.min(maxSeconds, seconds));
    }

    private int activeCount(String agentId) {
        Integer count = active.get(agentId);
        return count == null ? 0 : count;
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

    /** Stores a closed session as a tombstone, purged by the punctuator after the retention. */
    private void remember(String sessionId, SessionState state, long now) {
        SessionState tombstone = state.closed(now + settings.tombstoneRetention().toMillis());
        sessions.put(sessionId, tombstone);
        indexExpiry(tombstone, sessionId);
    }

    private void fact(SessionEvent fact, long now) {
        context.forward(new Record<>(fact.agentId(), new Output.Fact(fact), now));
    }

    private void reply(int partition, SessionReply reply, long now) {
        context.forward(new Record<>(reply.sessionId(), new Output.Reply(partition, reply), now));
    }
}
