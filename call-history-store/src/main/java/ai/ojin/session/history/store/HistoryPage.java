package ai.ojin.session.history.store;

import java.time.Instant;

/**
 * What to list: finished calls matching the filters (null = any), newest first, after the keyset
 * position {@code after} (null = from the newest), at most {@code limit}.
 *
 * @param from inclusive lower bound on requested_at
 * @param to exclusive upper bound on requested_at
 */
public record HistoryPage(String clientUserRef, String agentId, Instant from, Instant to, Position after, int limit) {

    /** A place in the listing order (requested_at desc, session_id desc). */
    public record Position(Instant requestedAt, String sessionId) {
    }
}
