package ai.ojin.session.events.command;

import java.time.Instant;

/**
 * Asks the session processor whether it runs: it answers, on {@code replyPartition} of
 * {@code session-replies}, with a success reply for {@code sessionId} (the heartbeat's own id,
 * never a session's) and changes nothing. connect-api sends one to every partition of
 * {@code session-commands}, so an answer from each means every processor task runs.
 *
 * @param agentId the record key that places the heartbeat on its partition (no agent's id)
 */
public record Heartbeat(String sessionId, String agentId, Instant at, int replyPartition) implements SessionCommand {

    /** Heartbeat ids start with this, which no session id does (session ids start with an agent id). */
    public static final String ID_PREFIX = "~heartbeat-";
}
