package ai.ojin.session.processor.topology;

import ai.ojin.session.events.SessionIds;
import ai.ojin.session.events.agent.Agent;
import ai.ojin.session.events.command.EndReason;
import ai.ojin.session.events.command.Heartbeat;
import ai.ojin.session.events.command.LinePosition;
import ai.ojin.session.events.command.MarkStarted;
import ai.ojin.session.events.command.ParticipantPresence;
import ai.ojin.session.events.command.ParticipantPresence.Change;
import ai.ojin.session.events.command.ReleaseSession;
import ai.ojin.session.events.command.RequestSession;
import ai.ojin.session.events.command.SessionCommand;
import ai.ojin.session.events.fact.ParticipantJoined;
import ai.ojin.session.events.fact.ParticipantLeft;
import ai.ojin.session.events.fact.SessionAdmitted;
import ai.ojin.session.events.fact.SessionDequeued;
import ai.ojin.session.events.fact.SessionQueued;
import ai.ojin.session.events.fact.SessionRepeated;
import ai.ojin.session.events.fact.SessionEnded;
import ai.ojin.session.events.fact.SessionEvent;
import ai.ojin.session.events.fact.SessionFailed;
import ai.ojin.session.events.fact.SessionRejected;
import ai.ojin.session.events.fact.SessionRequested;
import ai.ojin.session.events.fact.SessionStarted;
import ai.ojin.session.events.reply.ErrorCode;
import ai.ojin.session.events.reply.SessionReply;
import ai.ojin.session.processor.topology.SessionState.Address;
import ai.ojin.session.processor.topology.SessionState.Key;
import ai.ojin.session.processor.topology.SessionState.Waiter;
import java.time.Instant;
import java.time.Duration;
import java.util.OptionalLong;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.streams.processor.Cancellable;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Applies session commands to the concurrency state and emits the resulting facts and replies.
 * All times are wall clock ({@link ProcessorContext#currentSystemTimeMs()}). The lease rules are
 * in {@link LeaseRules}, the store bookkeeping in {@link SessionStore}.
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
 * when the agent has no live session (a limit of 0).
 *
 * <p><b>Leases.</b> {@code MarkStarted} for an admitted session writes {@code started} with the
 * join lease; a participant command of a live session writes {@code joined} or {@code left} when it
 * changes who is in the room (the user's join extends the lease to the session's length, the user's
 * leave starts the rejoin lease). Commands for sessions that are unknown, closed or in the wrong
 * phase do nothing. A wall-clock punctuator every {@link LeaseSettings#punctuateInterval()}
 * range-scans the expiry index up to now: an expired live session ends with the reason
 * {@link LeaseRules#expiryReason} gives ({@code lease_expired}, {@code no_show} or
 * {@code user_left}); an old tombstone is purged. The punctuator is scheduled only while something
 * waits for the clock, and not before the earliest entry is due: every punctuation makes Kafka
 * Streams commit the task, and under exactly-once each commit is a transaction (an idle processor
 * committed three a second, one per task, for nothing).
 *
 * <p><b>Catching up.</b> Every command is judged as of the moment it was written (its record
 * timestamp, never later than the wall clock nor older than {@link LeaseSettings#tombstoneRetention()}),
 * after every lease that ran out by that moment has ended: decisions are a function of the log
 * alone, in the order it was written, however late it is read (the audit tool replays them). After
 * an outage, a {@code MarkStarted} written inside its start lease still starts its session; a
 * request written before its deadline is admitted as of then, and its caller, gone by now, has
 * released it ({@code abandoned}) in the same backlog (the worker sets up no room for a caller
 * whose deadline has passed). The punctuator ends leases only up to the task's stream time
 * (the newest record read) while records keep coming, and up to the wall clock once the input has
 * been idle for {@value #IDLE_PUNCTUATIONS} punctuation intervals (caught up): it never ends a lease
 * that a command still waiting in the backlog would have kept. A task that has read no record since
 * it started (a restart, a rebalance) waits {@value #STARTUP_IDLE_PUNCTUATIONS} intervals from its
 * first punctuation instead: its first fetch, with the backlog of an outage, may not have come yet
 * (connect-api's heartbeats, every 2 s per partition, normally bring a record much sooner). An
 * expiry is recorded at the moment its lease ran out.
 *
 * <p><b>Releases.</b> Releasing a live session frees its slot once: {@code failed} (reasons with
 * an error code) or {@code ended}, and a success reply when the command names a reply partition.
 * Releasing an unknown or closed session writes no fact and, with a reply partition, answers
 * {@code session_not_found}. Releasing a waiting session ({@code abandoned}: its caller went away)
 * takes it out of the line ({@code dequeued(gone)}); a live session with an {@code Idempotency-Key}
 * is not released as {@code abandoned}, as its caller is expected to repeat (the join lease ends
 * it if nobody comes).
 *
 * <p><b>The line</b> ({@link RequestSession#waits()}): a request that finds its agent at its
 * limit, or others waiting, joins the agent's line ({@code queued}) while the line is shorter than
 * {@link LeaseSettings#maxWaiting()}; whenever a slot frees, the oldest waiters are admitted first
 * ({@code dequeued(admitted)} then {@code admitted}); a wait that runs out ends
 * {@code dequeued(timed_out)} then {@code rejected(concurrency_limit)}. A request without the
 * preference never jumps the line: it is rejected while anyone waits.
 *
 * <p><b>Repeats</b> ({@link RequestSession#keyed()}): a request whose key names a session this
 * agent still has is answered with that session and takes no slot (see {@link #repeat}).
 *
 * <p><b>Heartbeats</b> are answered with a success reply on their reply partition and change
 * nothing (connect-api's readiness asks every partition whether its task runs).
 *
 * <p><b>Tracing.</b> Everything written while handling a command carries the trace context the
 * {@link CommandObserver} gives (the command's {@code traceparent}, or a span of its own that
 * continues it), so a connect can be followed from the API through here to the worker. Facts of
 * the punctuator belong to no command and carry none.
 */
final class SessionCommandProcessor implements Processor<String, SessionCommand, String, Output> {

    private static final Logger log = LoggerFactory.getLogger(SessionCommandProcessor.class);
    /** Bounds one punctuation; what is left is handled by the next one. */
    private static final int MAX_EXPIRIES_PER_PUNCTUATION = 10_000;
    /** Punctuation intervals without a record after which the input counts as caught up. */
    static final int IDLE_PUNCTUATIONS = 5;
    /**
     * The same before the task has read its first record since it started: a task that has not yet
     * read anything has not shown that it is caught up (its first fetch may still be on its way
     * with a backlog written before a crash), so the wall clock takes over only after this many
     * intervals without a record, counted from its first punctuation.
     */
    static final int STARTUP_IDLE_PUNCTUATIONS = 30;
    private static final long UNKNOWN = Long.MIN_VALUE;

    private final LeaseSettings settings;
    private final LeaseRules rules;
    private final CommandObserver observer;
    /** The headers of everything written for the command being handled; null outside {@link #process}. */
    private Headers outgoing;
    private ProcessorContext<String, Output> context;
    private KeyValueStore<String, Agent> agents;
    private SessionStore store;
    /** Wall-clock time of the last record read: how long the input has been idle. */
    private long lastRecordWallMs = UNKNOWN;
    /**
     * Wall-clock time of the first punctuation since the task started, while it has read no record
     * yet (not the time of {@link #init}: the stream thread's cached clock can be seconds old then).
     */
    private long firstPunctuationWallMs = UNKNOWN;
    /** The scheduled punctuation, or null while nothing waits for the clock. */
    private Cancellable punctuation;
    /** When {@link #punctuation} fires next (wall clock). */
    private long punctuationAt;

    SessionCommandProcessor(LeaseSettings settings) {
        this(settings, CommandObserver.NONE);
    }

    SessionCommandProcessor(LeaseSettings settings, CommandObserver observer) {
        this.settings = settings;
        this.rules = new LeaseRules(settings);
        this.observer = observer;
    }

    @Override
    public void init(ProcessorContext<String, Output> context) {
        this.context = context;
        agents = context.getStateStore(SessionTopology.AGENTS_STORE);
        store = new SessionStore(context);
        store.rebuild();
        lastRecordWallMs = UNKNOWN; // (a revived task is initialised again: it has read nothing since)
        firstPunctuationWallMs = UNKNOWN;
        if (store.takeEarliestIndexed() != Long.MAX_VALUE) {
            // The processor's clock is not current yet while the task initialises: punctuate one
            // interval from now, and let that punctuation find what is due.
            punctuationAt = Long.MIN_VALUE;
            punctuation = context.schedule(settings.punctuateInterval(), PunctuationType.WALL_CLOCK_TIME, this::punctuateOnce);
        }
    }

    @Override
    public void process(Record<String, SessionCommand> record) {
        lastRecordWallMs = context.currentSystemTimeMs();
        expire(writtenAt(record));
        try {
            if (record.value() instanceof Heartbeat) {
                // every 2 s per partition: no span of its own
                outgoing = CommandObserver.traceHeaders(record.headers());
                handle(record);
            } else {
                observer.process(record, headers -> {
                    outgoing = headers;
                    handle(record);
                });
            }
        } finally {
            outgoing = null;
        }
        schedulePunctuation();
    }

    /**
     * Keeps one wall-clock punctuation scheduled for when the earliest entry of the expiry index is
     * due, never sooner than one punctuation interval from now (an overdue entry is looked at again
     * every interval, as the input may not be idle yet), and none while the index is empty. After a
     * record only what it indexed can bring the punctuation forward; the index itself is searched
     * once per punctuation.
     */
    private void schedulePunctuation() {
        long indexed = store.takeEarliestIndexed();
        if (indexed != Long.MAX_VALUE) {
            schedulePunctuation(indexed);
        }
    }

    private void schedulePunctuation(long due) {
        long now = context.currentSystemTimeMs();
        long at = Math.max(due, now + settings.punctuateInterval().toMillis());
        if (punctuation != null && punctuationAt <= at) {
            return;
        }
        cancelPunctuation();
        punctuationAt = at;
        punctuation = context.schedule(Duration.ofMillis(at - now), PunctuationType.WALL_CLOCK_TIME, this::punctuateOnce);
    }

    /** One shot: the next punctuation follows what is due then. */
    private void punctuateOnce(long time) {
        cancelPunctuation();
        punctuate(time);
        store.takeEarliestIndexed();
        store.nextDue(time).ifPresent(this::schedulePunctuation);
    }

    private void cancelPunctuation() {
        if (punctuation != null) {
            punctuation.cancel();
            punctuation = null;
        }
    }

    private void handle(Record<String, SessionCommand> record) {
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
        long now = writtenAt(record);
        if (command instanceof RequestSession request) {
            request(request, now);
        } else if (command instanceof LinePosition query) {
            position(query, now);
        } else if (command instanceof MarkStarted started) {
            markStarted(started, now);
        } else if (command instanceof ReleaseSession release) {
            release(release, now);
        } else if (command instanceof ParticipantPresence presence) {
            presence(presence, now);
        }
    }

    private void request(RequestSession request, long now) {
        String sessionId = request.sessionId();
        String agentId = request.agentId();
        if (store.get(sessionId) != null) {
            log.debug("Duplicate request for session {} ignored", sessionId);
            return;
        }
        if (request.keyed()) {
            String original = store.sessionOfKey(agentId, request.idempotencyKey());
            SessionState state = original == null ? null : store.get(original);
            if (state != null) {
                repeat(request, original, state, now);
                return;
            }
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
        drainLine(agent, now); // slots that freed without a release (a raised limit) go to the line first
        int activeNow = store.activeCount(agentId);
        boolean lineEmpty = store.lineHead(agentId) == null;
        if (activeNow < agent.maxConcurrency() && lineEmpty) {
            Key key = keyOf(request, now);
            admit(sessionId, agent, key, request.clientUserRef(), request.replyPartition(), request.deadline(),
                    request.instanceId(), now);
            return;
        }
        int waiting = lineEmpty ? 0 : store.lineLength(agentId);
        if (request.waits() && waiting < settings.maxWaiting()) {
            long waitUntil = now + request.waitSeconds() * 1000L;
            if (request.deadline() != null) {
                waitUntil = Math.min(waitUntil, request.deadline().toEpochMilli());
            }
            long seq = context.recordMetadata().map(m -> m.offset()).orElse(now);
            Waiter waiter = new Waiter(seq, now, request.clientUserRef(), request.replyPartition(), request.deadline(),
                    request.instanceId());
            store.enqueue(sessionId, SessionState.waiting(agentId, waitUntil, waiter, keyOf(request, now)));
            fact(new SessionQueued(sessionId, agentId, at, waiting + 1, Instant.ofEpochMilli(waitUntil),
                    agent.maxConcurrency(), activeNow), now);
            return;
        }
        int retryAfter = retryAfterSeconds(agentId, now);
        reject(request, ErrorCode.CONCURRENCY_LIMIT,
                activeNow < agent.maxConcurrency()
                        ? "Others are waiting for this agent; wait in line (Prefer: wait) or retry later"
                        : "Agent has reached its maximum of " + agent.maxConcurrency() + " concurrent sessions",
                retryAfter, agent.maxConcurrency(), activeNow, now);
    }

    private static Key keyOf(RequestSession request, long now) {
        if (!request.keyed()) {
            return null;
        }
        long until = request.keyUntil() == null ? now : request.keyUntil().toEpochMilli();
        return new Key(request.idempotencyKey(), request.requestHash(), until, null, null, null, null);
    }

    /** Takes a slot for the session (a new request, or a waiter whose turn came) and writes {@code admitted}. */
    private void admit(String sessionId, Agent agent, Key key, String clientUserRef, int replyPartition, Instant deadline,
            String instanceId, long now) {
        long leaseUntil = rules.admittedUntil(now);
        int activeAfter = store.admit(sessionId,
                SessionState.admitted(agent.agentId(), leaseUntil, agent.maxSessionSeconds(), key));
        observer.admitted(agent.agentId());
        fact(new SessionAdmitted(sessionId, agent.agentId(), Instant.ofEpochMilli(now), clientUserRef, replyPartition,
                agent.maxConcurrency(), activeAfter, agent.maxSessionSeconds(), Instant.ofEpochMilli(leaseUntil), deadline,
                instanceId), now);
    }

    /** Admits the agent's oldest waiters while it has free slots: first come, first served. */
    private void drainLine(Agent agent, long now) {
        String agentId = agent.agentId();
        while (store.activeCount(agentId) < agent.maxConcurrency()) {
            String sessionId = store.lineHead(agentId);
            if (sessionId == null) {
                return;
            }
            SessionState state = store.get(sessionId);
            Waiter waiter = state.waiter();
            store.leaveLine(sessionId, state);
            fact(new SessionDequeued(sessionId, agentId, Instant.ofEpochMilli(now), SessionDequeued.Outcome.ADMITTED,
                    Instant.ofEpochMilli(waiter.queuedAt())), now);
            admit(sessionId, agent, state.key(), waiter.clientUserRef(), waiter.replyPartition(), waiter.deadline(),
                    waiter.instanceId(), now);
        }
    }

    /** A slot of this agent freed: its line goes first. */
    private void slotFreed(String agentId, long now) {
        Agent agent = agents.get(agentId);
        if (agent != null && agent.published()) {
            drainLine(agent, now);
        }
    }

    /** A waiter's wait ran out: it leaves the line and gets the rejection it would have got at once. */
    private void timeOut(String sessionId, SessionState state, long now) {
        String agentId = state.agentId();
        store.leaveLine(sessionId, state);
        fact(new SessionDequeued(sessionId, agentId, Instant.ofEpochMilli(now), SessionDequeued.Outcome.TIMED_OUT,
                Instant.ofEpochMilli(state.waiter().queuedAt())), now);
        Agent agent = agents.get(agentId);
        Integer limit = agent == null ? null : agent.maxConcurrency();
        int activeNow = store.activeCount(agentId);
        int retryAfter = retryAfterSeconds(agentId, now);
        String message = "No slot freed while waiting; the agent has reached its maximum of concurrent sessions";
        observer.rejected(agentId, ErrorCode.CONCURRENCY_LIMIT);
        store.remember(sessionId, SessionState.rejected(agentId, state.key(), ErrorCode.CONCURRENCY_LIMIT, purgeAt(now)));
        fact(new SessionRejected(sessionId, agentId, Instant.ofEpochMilli(now), ErrorCode.CONCURRENCY_LIMIT, retryAfter,
                limit, activeNow), now);
        SessionReply reply = SessionReply.rejected(sessionId, retryAfter, message);
        reply(state.waiter().replyPartition(), reply, now);
        answerRepeats(state.key(), reply, now);
    }

    /** A waiter whose caller went away: it leaves the line, never takes a slot, and frees its key. */
    private void gone(String sessionId, SessionState state, long now) {
        store.leaveLine(sessionId, state);
        store.unbindKey(sessionId, state);
        store.remember(sessionId, state.closedWithoutKey(purgeAt(now)));
        fact(new SessionDequeued(sessionId, state.agentId(), Instant.ofEpochMilli(now), SessionDequeued.Outcome.GONE,
                Instant.ofEpochMilli(state.waiter().queuedAt())), now);
        answerRepeats(state.key(), SessionReply.rejected(sessionId, retryAfterSeconds(state.agentId(), now),
                "The first request with this Idempotency-Key went away; retry"), now);
    }

    /**
     * A request with the {@code Idempotency-Key} of a session this agent still has: the same
     * session's answer, never a second slot. Another body: {@code idempotency_key_reused}. Waiting
     * or being set up: the answer comes when the session is up ({@code repeated}, answered by the
     * worker with a fresh token) or fails. Up: {@code repeated} now. Closed: its outcome again.
     */
    private void repeat(RequestSession request, String sessionId, SessionState state, long now) {
        String id = request.sessionId();
        if (!request.requestHash().equals(state.key().requestHash())) {
            reply(request.replyPartition(), SessionReply.error(id, ErrorCode.IDEMPOTENCY_KEY_REUSED,
                    "This Idempotency-Key was already used with a different request body"), now);
            return;
        }
        if (request.deadline() != null && now > request.deadline().toEpochMilli()) {
            log.warn("Repeat {} of session {} reached the processor after its deadline", id, sessionId);
            return;
        }
        Address address = new Address(id, request.replyPartition(), request.instanceId(), request.deadline());
        switch (state.phase()) {
            case WAITING, ADMITTED -> {
                if (state.key().repeats().size() >= SessionState.MAX_TRACKED) {
                    reply(request.replyPartition(), SessionReply.rejected(sessionId, 1,
                            "Too many repeats of this Idempotency-Key at once; retry").correlatedTo(id), now);
                } else {
                    store.put(sessionId, state.withKey(state.key().withRepeat(address)));
                }
            }
            case STARTED -> repeated(sessionId, state, address, now);
            case CLOSED -> {
                ErrorCode outcome = state.key().outcome() == null ? ErrorCode.SESSION_ENDED : state.key().outcome();
                SessionReply reply = outcome == ErrorCode.CONCURRENCY_LIMIT
                        ? SessionReply.rejected(sessionId, retryAfterSeconds(state.agentId(), now),
                                "The first request with this Idempotency-Key was rejected: the agent was at its limit")
                        : SessionReply.error(sessionId, outcome, null);
                reply(request.replyPartition(), reply.correlatedTo(id), now);
            }
        }
    }

    /** Asks the worker to answer a repeat of a session that is up (its room and a fresh token). */
    private void repeated(String sessionId, SessionState state, Address address, long now) {
        fact(new SessionRepeated(sessionId, state.agentId(), Instant.ofEpochMilli(now), address.correlationId(),
                address.replyPartition(), address.instanceId(), address.deadline(), state.key().roomName(),
                state.key().roomUrl(), state.maxSessionSeconds()), now);
    }

    /** Answers the repeats that wait for a session that will not come up. */
    private void answerRepeats(Key key, SessionReply reply, long now) {
        if (key == null) {
            return;
        }
        for (Address address : key.repeats()) {
            reply(address.replyPartition(), reply.correlatedTo(address.correlationId()), now);
        }
    }

    /** Where the connect with this key stands in its agent's line; changes nothing. */
    private void position(LinePosition query, long now) {
        String sessionId = query.idempotencyKey() == null ? null : store.sessionOfKey(query.agentId(), query.idempotencyKey());
        SessionState state = sessionId == null ? null : store.get(sessionId);
        if (state == null) {
            reply(query.replyPartition(), SessionReply.error(query.sessionId(), ErrorCode.SESSION_NOT_FOUND,
                    "No connect with this Idempotency-Key"), now);
            return;
        }
        Integer position = null;
        Integer length = null;
        if (state.waiting()) {
            position = store.position(state.agentId(), sessionId);
            length = store.lineLength(state.agentId());
        }
        reply(query.replyPartition(), new SessionReply(sessionId, null, null, null, null, null, null, query.sessionId(),
                position, length), now);
    }

    private void reject(RequestSession request, ErrorCode code, String message, Integer retryAfter, Integer limit,
            Integer activeNow, long now) {
        String sessionId = request.sessionId();
        observer.rejected(request.agentId(), code);
        // an internal error is not an answer to repeat: a retry with the key is decided afresh
        Key key = code == ErrorCode.INTERNAL_ERROR ? null : keyOf(request, now);
        store.remember(sessionId, SessionState.rejected(request.agentId(), key, code, purgeAt(now)));
        fact(new SessionRejected(sessionId, request.agentId(), Instant.ofEpochMilli(now), code, retryAfter, limit, activeNow),
                now);
        SessionReply reply = retryAfter != null
                ? SessionReply.rejected(sessionId, retryAfter, message)
                : SessionReply.error(sessionId, code, message);
        reply(request.replyPartition(), reply, now);
    }

    private void markStarted(MarkStarted command, long now) {
        String sessionId = command.sessionId();
        SessionState state = store.get(sessionId);
        if (state == null || state.phase() != SessionState.Phase.ADMITTED || !state.agentId().equals(command.agentId())) {
            log.debug("MarkStarted for session {} ignored (state {})", sessionId, state);
            return;
        }
        SessionState started = state.started(rules.startedUntil(state, now));
        store.update(sessionId, state, started);
        fact(new SessionStarted(sessionId, state.agentId(), Instant.ofEpochMilli(now), command.roomName(), command.roomUrl(),
                Instant.ofEpochMilli(started.until())), now);
        if (started.key() != null) {
            SessionState up = started.withKey(started.key().started(command.roomName(), command.roomUrl()));
            store.put(sessionId, up);
            for (Address address : started.key().repeats()) {
                repeated(sessionId, up, address, now);
            }
        }
    }

    private void presence(ParticipantPresence command, long now) {
        String sessionId = command.sessionId();
        SessionState state = store.get(sessionId);
        if (command.role() == null || command.change() == null || command.participantId() == null) {
            log.error("Dropping participant command of session {} without role, change or participant id", sessionId);
            return;
        }
        if (state == null || !state.live() || !state.agentId().equals(command.agentId())) {
            log.debug("Participant {} of session {} ignored: no live session", command.change().wire(), sessionId);
            return;
        }
        LeaseRules.Presence change = rules.presence(state, command, now);
        if (change == null) {
            log.debug("Participant {} {} of session {} changes nothing (duplicate or out of order)",
                    command.participantId(), command.change().wire(), sessionId);
            return;
        }
        store.update(sessionId, state, change.next());
        if (!change.recorded()) {
            return;
        }
        Instant at = Instant.ofEpochMilli(now);
        Instant eventAt = Instant.ofEpochMilli(LeaseRules.eventTime(command, now));
        Instant leaseUntil = Instant.ofEpochMilli(change.next().until());
        fact(command.change() == Change.JOINED
                ? new ParticipantJoined(sessionId, state.agentId(), at, command.role(), command.participantId(), eventAt,
                        leaseUntil)
                : new ParticipantLeft(sessionId, state.agentId(), at, command.role(), command.participantId(), eventAt,
                        leaseUntil), now);
    }

    private void release(ReleaseSession command, long now) {
        String sessionId = command.sessionId();
        SessionState state = store.get(sessionId);
        EndReason reason = command.reason() == null ? EndReason.END_CALL : command.reason();
        if (state != null && state.waiting() && state.agentId().equals(command.agentId())) {
            gone(sessionId, state, now);
            if (command.replyPartition() != null) {
                reply(command.replyPartition(), SessionReply.success(sessionId, null, null), now);
            }
            return;
        }
        if (reason == EndReason.ABANDONED && state != null && state.live() && state.key() != null) {
            // Its caller went away (disconnected or timed out), but it has an Idempotency-Key: the caller
            // is expected to repeat and get this session; if nobody comes, the join lease ends it.
            log.info("Session {} kept for a repeat of its Idempotency-Key although its caller went away", sessionId);
            return;
        }
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

    /**
     * Frees a live session's slot, once, and keeps a tombstone for duplicates; repeats still
     * waiting for it get its failure (or {@code session_ended}); then the agent's line goes first.
     */
    private void end(String sessionId, SessionState state, EndReason reason, long now) {
        ErrorCode outcome = reason.failure() != null ? reason.failure() : ErrorCode.SESSION_ENDED;
        int activeAfter = store.close(sessionId, state, purgeAt(now), outcome);
        Instant at = Instant.ofEpochMilli(now);
        SessionEvent fact = reason.failure() != null
                ? new SessionFailed(sessionId, state.agentId(), at, reason.failure(), activeAfter)
                : new SessionEnded(sessionId, state.agentId(), at, reason, activeAfter);
        fact(fact, now);
        answerRepeats(state.key(), SessionReply.error(sessionId, outcome, null), now);
        slotFreed(state.agentId(), now);
    }

    /** The moment a command is judged at: when it was written, within the wall clock and the tombstone retention. */
    private long writtenAt(Record<String, SessionCommand> record) {
        long wall = context.currentSystemTimeMs();
        return Math.min(wall, Math.max(record.timestamp(), wall - settings.tombstoneRetention().toMillis()));
    }

    /**
     * Wall-clock punctuation: ends leases up to the newest record read while the input flows, up
     * to now once it has been idle (caught up).
     */
    private void punctuate(long now) {
        long interval = settings.punctuateInterval().toMillis();
        boolean idle;
        if (lastRecordWallMs == UNKNOWN) {
            if (firstPunctuationWallMs == UNKNOWN) {
                firstPunctuationWallMs = now;
            }
            idle = now - firstPunctuationWallMs >= STARTUP_IDLE_PUNCTUATIONS * interval;
        } else {
            idle = now - lastRecordWallMs >= IDLE_PUNCTUATIONS * interval;
        }
        expire(idle ? now : Math.min(now, Math.max(context.currentStreamTimeMs(),
                now - settings.tombstoneRetention().toMillis())));
    }

    /** Ends live sessions whose lease ran out by {@code upTo} (each at its lease's end), purges old tombstones. */
    private void expire(long upTo) {
        int expired = 0;
        for (SessionStore.Due entry : store.due(upTo, MAX_EXPIRIES_PER_PUNCTUATION)) {
            SessionState state = store.get(entry.sessionId());
            if (state == null || state.until() != entry.until()) {
                store.dropExpiry(entry); // stale entry
            } else if (state.live()) {
                end(entry.sessionId(), state, rules.expiryReason(state), Math.min(upTo, entry.until()));
                expired++;
            } else if (state.waiting()) {
                timeOut(entry.sessionId(), state, Math.min(upTo, entry.until()));
            } else {
                store.purge(entry);
            }
        }
        if (expired > 0) {
            log.info("Lease expired for {} session(s)", expired);
        }
    }

    private int retryAfterSeconds(String agentId, long now) {
        long maxSeconds = settings.maxRetryAfter().toSeconds();
        long seconds = maxSeconds;
        OptionalLong earliest = store.earliestLease(agentId);
        if (earliest.isPresent()) {
            seconds = Math.floorDiv(earliest.getAsLong() - now + 999, 1000);
        }
        return (int) Math.max(1, Math.min(maxSeconds, seconds));
    }

    private long purgeAt(long now) {
        return now + settings.tombstoneRetention().toMillis();
    }

    private void fact(SessionEvent fact, long now) {
        context.forward(new Record<>(fact.agentId(), new Output.Fact(fact), now, outgoingHeaders()));
    }

    private void reply(int partition, SessionReply reply, long now) {
        context.forward(new Record<>(reply.sessionId(), new Output.Reply(partition, reply), now, outgoingHeaders()));
    }

    /** A copy per record: a producer makes the headers it sent read-only. */
    private Headers outgoingHeaders() {
        return outgoing == null ? new RecordHeaders() : new RecordHeaders(outgoing.toArray());
    }
}
