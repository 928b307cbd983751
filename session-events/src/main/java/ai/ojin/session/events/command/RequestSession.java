package ai.ojin.session.events.command;

import java.time.Instant;

/**
 * Asks for a slot. {@code replyPartition} is the partition of {@code session-replies} that the
 * waiting connect-api instance reads; {@code deadline} is when that instance stops waiting (the
 * processor ignores a request it sees after its deadline). {@code instanceId} names the
 * connect-api instance that sent the request (null from older senders); the admission and the
 * worker's reply carry it on, so that only that instance ever releases a reply nobody waits for.
 *
 * @param waitSeconds null or 0: a full agent rejects at once; above 0 ({@code Prefer: wait=N}): a
 *     full agent puts the request in its line for up to that many seconds
 * @param idempotencyKey null, or the hash of the caller's {@code Idempotency-Key}: a request with
 *     the key of a session the processor still knows for this agent is a repeat and is answered
 *     with that session (see {@code SessionCommandProcessor})
 * @param requestHash with {@code idempotencyKey}: the hash of the request body; a repeat with
 *     another body is answered {@code idempotency_key_reused}
 * @param keyUntil with {@code idempotencyKey}: the key binds its session at least until then
 */
public record RequestSession(
        String sessionId,
        String agentId,
        String clientUserRef,
        String origin,
        int replyPartition,
        Instant requestedAt,
        Instant deadline,
        String instanceId,
        Integer waitSeconds,
        String idempotencyKey,
        String requestHash,
        Instant keyUntil) implements SessionCommand {

    public RequestSession(String sessionId, String agentId, String clientUserRef, String origin, int replyPartition,
                          Instant requestedAt, Instant deadline, String instanceId) {
        this(sessionId, agentId, clientUserRef, origin, replyPartition, requestedAt, deadline, instanceId, null, null,
                null, null);
    }

    public RequestSession(String sessionId, String agentId, String clientUserRef, String origin, int replyPartition,
                          Instant requestedAt, Instant deadline) {
        this(sessionId, agentId, clientUserRef, origin, replyPartition, requestedAt, deadline, null);
    }

    /** Whether a full agent puts this request in its line. */
    public boolean waits() {
        return waitSeconds != null && waitSeconds > 0;
    }

    /** Whether this request carries an idempotency key. */
    public boolean keyed() {
        return idempotencyKey != null;
    }
}
