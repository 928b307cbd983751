package ai.ojin.session.events.fact;

import ai.ojin.session.events.reply.ErrorCode;
import java.time.Instant;

/** No slot: the agent is at its limit ({@code retryAfterSeconds} set), unknown or unpublished. */
public record SessionRejected(
        String sessionId,
        String agentId,
        Instant at,
        ErrorCode errorCode,
        Integer retryAfterSeconds,
        Integer maxConcurrency,
        Integer active) implements SessionEvent {

    public static final String TYPE = "rejected";

    @Override
    public String typeName() {
        return TYPE;
    }
}
