package ai.ojin.session.events.fact;

import ai.ojin.session.events.reply.ErrorCode;
import java.time.Instant;

/** Setting the session up failed; its slot is free again ({@code activeAfter}). */
public record SessionFailed(
        String sessionId,
        String agentId,
        Instant at,
        ErrorCode errorCode,
        int activeAfter) implements SessionEvent {

    public static final String TYPE = "failed";

    @Override
    public String typeName() {
        return TYPE;
    }
}
