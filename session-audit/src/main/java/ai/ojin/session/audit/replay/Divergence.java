package ai.ojin.session.audit.replay;

import ai.ojin.session.audit.log.Logged;
import ai.ojin.session.events.fact.SessionEvent;

/**
 * A decision of the replayed processor that differs from the recorded one.
 *
 * @param recorded the fact in the log (null for {@link Kind#EXTRA_IN_REPLAY})
 * @param replayed the fact the replay wrote (null for {@link Kind#MISSING_IN_REPLAY})
 * @param cause what made the replay write it: the command's place in {@code session-commands}, or
 *     the lease punctuation
 */
public record Divergence(Kind kind, String sessionId, Logged<SessionEvent> recorded, SessionEvent replayed, String cause,
        String detail) {

    public enum Kind {
        /** Both wrote a fact here, with different content. */
        DIFFERENT,
        /** The log has a fact the rules did not produce. */
        MISSING_IN_REPLAY,
        /** The rules produce a fact the log does not have. */
        EXTRA_IN_REPLAY
    }

    @Override
    public String toString() {
        String where = recorded != null ? recorded.where() : "-";
        String type = recorded != null ? recorded.value().typeName() : replayed.typeName();
        return String.format("%-18s %-10s %-9s %s: %s (%s)", kind, where, type, sessionId, detail,
                cause == null ? "no replayed cause" : cause);
    }
}
