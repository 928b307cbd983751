package ai.ojin.session.events.fact;

import java.time.Instant;

/**
 * The agent was at its limit (or others were already waiting) and the request asked to wait
 * ({@code Prefer: wait=N}): it joined the agent's line, first come first served. {@code position}
 * is its place in the line (1 = next), {@code waitUntil} when it leaves the line unadmitted.
 * {@code maxConcurrency} and {@code active} are the limit and the active count when it joined.
 * Exactly one {@link SessionDequeued} follows.
 */
public record SessionQueued(
        String sessionId,
        String agentId,
        Instant at,
        int position,
        Instant waitUntil,
        int maxConcurrency,
        int active) implements SessionEvent {

    public static final String TYPE = "queued";

    @Override
    public String typeName() {
        return TYPE;
    }
}
