package ai.ojin.session.connect.session;

import ai.ojin.session.support.Futures;
import ai.ojin.session.connect.agent.AgentCatalog;
import ai.ojin.session.connect.origin.OriginHeader;
import ai.ojin.session.connect.origin.OriginPolicy;
import ai.ojin.session.connect.reply.CommandReplies;
import ai.ojin.session.connect.reply.PendingReplies;
import ai.ojin.session.connect.reply.UnclaimedReplies;
import ai.ojin.session.connect.web.ApiException;
import ai.ojin.session.connect.web.ApiExceptionHandler;
import ai.ojin.session.events.SessionIds;
import ai.ojin.session.events.agent.Agent;
import ai.ojin.session.events.command.EndReason;
import ai.ojin.session.events.command.IdempotencyKeys;
import ai.ojin.session.events.command.ReleaseSession;
import ai.ojin.session.events.command.RequestSession;
import ai.ojin.session.events.reply.ErrorCode;
import ai.ojin.session.events.reply.SessionReply;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.http.ResponseEntity;

/**
 * The connect flow: the local checks in the documented order (agent exists, origin allowed,
 * published), then a {@link RequestSession} and the wait for its reply. When the reply does not
 * come in time the caller gets 500 {@code internal_error} and the session is released as
 * {@code abandoned}, so whatever the pipeline made for it is torn down (and a late success reply
 * for it is not released a second time). The same happens when the reply partition the request
 * named moves to another instance while the caller waits (the reply would not reach this one), and
 * when the caller's client goes away while it waits ({@link Exchange#clientGone()}). The request
 * names this instance, so that only this instance ever releases its reply when nobody waits for it
 * ({@link UnclaimedReplies}).
 * <p>
 * A connect may ask to wait in the agent's line ({@link Options#waitSeconds()}, from
 * {@code Prefer: wait=N}): the request carries the wait and this instance waits that much longer
 * for the reply. A connect with an {@code Idempotency-Key} carries the key's hash, the body's hash
 * and how long the key binds its session; the processor answers a repeat with the original
 * session. Within this instance, concurrent connects with the same agent, key and body share one
 * request in flight (one {@link RequestSession}, one answer for all); the shared entry goes when
 * the answer is there.
 * <p>
 * At most {@code maxInFlight} requests wait for the pipeline on this instance at once; a connect
 * beyond that is answered 503 {@link #OVERLOADED} at once and writes nothing (load shedding: when
 * the pipeline falls behind, new callers get a prompt answer to retry later instead of a wait that
 * times out, whose release would add work to the pipeline just when it is behind). A connect that
 * shares a request already in flight is never refused for it.
 */
public class ConnectService {

    public static final String OVERLOADED = "overloaded";
    /** The seconds an overloaded connect is told to wait ({@code Retry-After}). */
    static final int OVERLOADED_RETRY_AFTER = 1;

    private static final Logger log = LoggerFactory.getLogger(ConnectService.class);

    private final AgentCatalog catalog;
    private final CommandReplies commands;
    private final UnclaimedReplies unclaimed;
    private final Clock clock;
    private final Duration idempotencyWindow;
    private final ConcurrentMap<FlightKey, Flight> flights = new ConcurrentHashMap<>();
    private final AtomicLong joined = new AtomicLong();
    private final int maxInFlight;
    private final AtomicInteger inFlight = new AtomicInteger();

    /** @param maxInFlight requests this instance lets wait for the pipeline at once */
    public ConnectService(AgentCatalog catalog, CommandReplies commands, UnclaimedReplies unclaimed, Clock clock,
                          Duration idempotencyWindow, int maxInFlight) {
        if (maxInFlight < 1) {
            throw new IllegalArgumentException("maxInFlight must be at least 1");
        }
        this.catalog = catalog;
        this.commands = commands;
        this.unclaimed = unclaimed;
        this.clock = clock;
        this.idempotencyWindow = idempotencyWindow;
        this.maxInFlight = maxInFlight;
    }

    /**
     * What a connect asks for beyond its body.
     *
     * @param waitSeconds 0: no wait in the agent's line; else the seconds to wait (already capped)
     * @param idempotencyKey null, or the caller's valid {@code Idempotency-Key}
     */
    public record Options(int waitSeconds, String idempotencyKey) {

        public static final Options NONE = new Options(0, null);

        public Options {
            if (waitSeconds < 0) {
                throw new IllegalArgumentException("waitSeconds must not be negative");
            }
            if (idempotencyKey != null && !IdempotencyKeys.valid(idempotencyKey)) {
                throw new IllegalArgumentException("invalid idempotency key");
            }
        }
    }

    /**
     * One HTTP exchange's part in a connect: its answer (never fails), when it is due at the latest,
     * the wait applied ({@code Preference-Applied}), and what to do when its client goes away.
     */
    public static final class Exchange {

        private final Flight flight;
        private final CompletableFuture<ResponseEntity<byte[]>> response;
        private final Integer appliedWait;
        private final AtomicBoolean gone = new AtomicBoolean();

        private Exchange(Flight flight, CompletableFuture<ResponseEntity<byte[]>> response, Integer appliedWait) {
            this.flight = flight;
            this.response = response;
            this.appliedWait = appliedWait;
        }

        public CompletableFuture<ResponseEntity<byte[]>> response() {
            return response;
        }

        /** The seconds of the wait in the agent's line this connect got, or null when it waits in no line. */
        public Integer appliedWait() {
            return appliedWait;
        }

        /** When the answer is due at the latest (the request's deadline). */
        public Instant due() {
            return flight == null ? Instant.MIN : flight.due;
        }

        /**
         * The client went away (or the exchange gave up): it stops waiting; when nobody else waits for
         * the same request, the wait ends and the session is released as {@code abandoned}. Counts
         * once per exchange, however often it is reported.
         */
        public void clientGone() {
            if (flight != null && gone.compareAndSet(false, true)) {
                flight.leave();
            }
        }
    }

    /** How many connects shared a request already in flight (same agent, key and body). */
    public long joinedCount() {
        return joined.get();
    }

    /** Requests waiting for the pipeline now (each shared by one or more connects). */
    public int inFlight() {
        return inFlight.get();
    }

    /** Requests with an idempotency key in flight now (each shared by one or more connects). */
    public int keyedInFlight() {
        return flights.size();
    }

    /**
     * @throws ApiException for the local checks; the exchange's future itself never fails
     */
    public Exchange connect(ConnectRequest request, OriginHeader origin, Options options) {
        Agent agent = checkedAgent(request.agentId(), origin);
        String agentId = agent.agentId();
        String originValue = origin.origin().map(o -> o.raw()).orElse(null);
        Integer appliedWait = options.waitSeconds() > 0 ? options.waitSeconds() : null;
        if (options.idempotencyKey() == null) {
            reserve();
            Flight flight = new Flight(null, agentId, options.waitSeconds());
            flight.start(request.clientUserRef(), originValue, null, null);
            return new Exchange(flight, flight.response, appliedWait);
        }
        String keyHash = IdempotencyKeys.keyHash(options.idempotencyKey());
        String requestHash = IdempotencyKeys.requestHash(agentId, request.clientUserRef());
        FlightKey key = new FlightKey(agentId, keyHash, requestHash);
        while (true) {
            Flight existing = flights.get(key);
            if (existing != null) {
                if (existing.join()) {
                    joined.incrementAndGet();
                    log.debug("Connect with a known idempotency key for {} shares the request of session {} in flight",
                            agentId, existing.sessionId);
                    Integer applied = appliedWait != null && existing.waitSeconds > 0 ? existing.waitSeconds : null;
                    return new Exchange(existing, existing.response, applied);
                }
                continue; // it just finished (and left the map): a new request, which the processor answers as a repeat
            }
            reserve();
            Flight flight = new Flight(key, agentId, options.waitSeconds());
            if (flights.putIfAbsent(key, flight) == null) {
                flight.start(request.clientUserRef(), originValue, keyHash, requestHash);
                return new Exchange(flight, flight.response, appliedWait);
            }
            inFlight.decrementAndGet(); // another connect with the key started its request just now: share it
        }
    }

    /**
     * Takes one of the {@code maxInFlight} places of a new request (given back when it is settled).
     *
     * @throws ApiException 503 {@link #OVERLOADED} when none is free
     */
    private void reserve() {
        if (inFlight.incrementAndGet() > maxInFlight) {
            inFlight.decrementAndGet();
            throw new ApiException(503, OVERLOADED, "Too many connects in progress; retry later", OVERLOADED_RETRY_AFTER);
        }
    }

    /**
     * The checks of a public call about an agent, in the documented order: agent exists, origin
     * allowed, published.
     *
     * @throws ApiException when one fails, or 500 while the catalog view is not caught up
     */
    public Agent checkedAgent(String agentIdText, OriginHeader origin) {
        if (!catalog.caughtUp()) {
            throw new ApiException(500, ErrorCode.INTERNAL_ERROR.wire(), "Service is starting");
        }
        Agent agent = SessionIds.isValidAgentId(agentIdText)
                ? catalog.find(agentIdText).orElse(null)
                : null;
        if (agent == null) {
            throw ApiException.of(ErrorCode.AGENT_NOT_FOUND, ReplyResponses.defaultMessage(ErrorCode.AGENT_NOT_FOUND));
        }
        if (!OriginPolicy.allows(agent.allowedHostnames(), origin)) {
            throw ApiException.of(ErrorCode.AUTH_FAILED, ReplyResponses.defaultMessage(ErrorCode.AUTH_FAILED));
        }
        if (!agent.published()) {
            throw ApiException.of(ErrorCode.AGENT_UNPUBLISHED, ReplyResponses.defaultMessage(ErrorCode.AGENT_UNPUBLISHED));
        }
        return agent;
    }

    private record FlightKey(String agentId, String keyHash, String requestHash) {
    }

    /** One request to the pipeline and the connects that wait for its answer. */
    private final class Flight {

        private final FlightKey key;
        private final String agentId;
        private final String sessionId;
        private final int waitSeconds;
        private final Duration timeout;
        private final Instant due;
        private final CompletableFuture<ResponseEntity<byte[]>> response = new CompletableFuture<>();
        private int waiters = 1;
        private boolean settled;

        Flight(FlightKey key, String agentId, int waitSeconds) {
            this.key = key;
            this.agentId = agentId;
            this.sessionId = SessionIds.newSessionId(agentId);
            this.waitSeconds = waitSeconds;
            this.timeout = commands.timeout().plusSeconds(waitSeconds);
            this.due = clock.instant().plus(timeout);
        }

        void start(String clientUserRef, String origin, String keyHash, String requestHash) {
            Instant requestedAt = clock.instant();
            Integer wait = waitSeconds > 0 ? waitSeconds : null;
            Instant keyUntil = keyHash == null ? null : requestedAt.plus(idempotencyWindow);
            CompletableFuture<SessionReply> reply;
            try {
                reply = commands.sendAndAwait(sessionId, agentId, timeout, (deadline, replyPartition) -> new RequestSession(sessionId,
                        agentId, clientUserRef, origin, replyPartition, requestedAt, deadline, commands.instanceId(), wait, keyHash,
                        requestHash, keyUntil));
            } catch (RuntimeException e) {
                reply = CompletableFuture.failedFuture(e); // settled like any failure: its place in flight is given back
            }
            reply.handle(this::answer)
                    .whenComplete((answer, error) -> response.complete(answer == null ? ApiExceptionHandler.internalError() : answer));
        }

        /** Another connect with the same key waits for this request too; false once it is answered. */
        synchronized boolean join() {
            if (settled) {
                return false;
            }
            waiters++;
            return true;
        }

        /** A connect stopped waiting; the last one ends the wait. */
        void leave() {
            synchronized (this) {
                if (settled || waiters == 0) {
                    return;
                }
                waiters--;
                if (waiters > 0) {
                    return;
                }
            }
            log.info("The client of session {} went away while it waited; the wait stops", sessionId);
            commands.abandon(sessionId);
        }

        /** @return true when nobody waits any more */
        private boolean settle() {
            if (key != null) {
                flights.remove(key, this);
            }
            inFlight.decrementAndGet();
            synchronized (this) {
                settled = true;
                return waiters == 0;
            }
        }

        private ResponseEntity<byte[]> answer(SessionReply reply, Throwable error) {
            boolean nobodyWaits = settle();
            if (error == null) {
                if (!reply.ok() && reply.errorCode() == ErrorCode.INTERNAL_ERROR) {
                    log.error("Connect for session {} answered internal_error by the pipeline: {}", sessionId, reply.message());
                }
                if (nobodyWaits && reply.admitsToRoom() && !reply.correlated()) {
                    // the reply came as the last client went away: nobody will join
                    release("its client went away as the reply came");
                }
                return reply.ok() ? ReplyResponses.connected(reply) : ReplyResponses.failed(reply);
            }
            Throwable cause = Futures.cause(error);
            if (cause instanceof TimeoutException || cause instanceof PendingReplies.ReplyPartitionMovedException) {
                release(cause instanceof TimeoutException ? "no reply in time" : cause.getMessage());
            } else if (cause instanceof PendingReplies.WaitAbandonedException) {
                release("its client went away");
            } else {
                log.error("Connect for session {} failed", sessionId, cause);
            }
            return ApiExceptionHandler.internalError();
        }

        private void release(String why) {
            log.warn("Releasing session {} as abandoned: {}", sessionId, why);
            unclaimed.released(sessionId);
            commands.send(agentId, new ReleaseSession(sessionId, agentId, EndReason.ABANDONED, clock.instant()));
        }
    }
}
