package ai.ojin.session.events.fact;

import java.time.Instant;

/**
 * A connect repeated with the {@code Idempotency-Key} of this session (and the same body) while
 * the session is up: the room-worker answers it on {@code replyPartition} with this session's room
 * ({@code roomName}, {@code roomUrl}, as in its {@code started} fact) and a fresh meeting token for
 * it (ejecting after {@code maxSessionSeconds} plus the worker's grace), addressed to {@code instanceId} and correlated by
 * {@code correlationId} (the id the repeated request waits under). It takes no slot. One fact per
 * repeated request, so the event id adds the correlation id.
 */
public record SessionRepeated(
        String sessionId,
        String agentId,
        Instant at,
        String correlationId,
        int replyPartition,
        String instanceId,
        Instant deadline,
        String roomName,
        String roomUrl,
        int maxSessionSeconds) implements SessionEvent {

    public static final String TYPE = "repeated";

    @Override
    public String typeName() {
        return TYPE;
    }

    @Override
    public String eventId() {
        return sessionId + "/" + TYPE + "/" + correlationId;
    }
}
