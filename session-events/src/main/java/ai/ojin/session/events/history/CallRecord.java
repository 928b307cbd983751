package ai.ojin.session.events.history;

import ai.ojin.session.events.command.EndReason;
import ai.ojin.session.events.reply.ErrorCode;
import java.time.Instant;

/**
 * One finished call, on {@code call-history} (key = client_user_ref, null when the caller gave
 * none). Never carries a token.
 *
 * @param outcome completed, rejected, failed, abandoned, expired or no_show (started, but the user
 *     never joined)
 */
public record CallRecord(
        String sessionId,
        String agentId,
        String clientUserRef,
        String origin,
        String outcome,
        ErrorCode errorCode,
        Instant requestedAt,
        Instant startedAt,
        Instant endedAt,
        EndReason endReason,
        Long durationSeconds,
        String roomName) {
}
