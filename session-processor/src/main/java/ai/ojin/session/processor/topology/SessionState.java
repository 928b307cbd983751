package ai.ojin.session.processor.topology;

/**
 * The processor's one entry per session (key = session id).
 *
 * @param until for a live session the end of its lease; for a closed one (ended, failed or
 *     rejected, kept as a small tombstone) when the entry is purged. Always epoch ms, and always
 *     the time of the session's expiry-index entry.
 * @param maxSessionSeconds the agent's limit at admission (the room and tokens were made with it)
 */
public record SessionState(String agentId, Phase phase, long until, int maxSessionSeconds) {

    public enum Phase {
        ADMITTED,
        STARTED,
        CLOSED
    }

    public boolean live() {
        return phase != Phase.CLOSED;
    }

    SessionState started(long leaseUntil) {
        return new SessionState(agentId, Phase.STARTED, leaseUntil, maxSessionSeconds);
    }

    SessionState closed(long purgeAt) {
        return new SessionState(agentId, Phase.CLOSED, purgeAt, maxSessionSeconds);
    }
}
