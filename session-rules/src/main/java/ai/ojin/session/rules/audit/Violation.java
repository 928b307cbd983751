package ai.ojin.session.rules.audit;

/**
 * One broken invariant found in the fact log.
 *
 * @param position the offending fact's index in the checked sequence (0-based)
 */
public record Violation(Kind kind, String sessionId, String agentId, long position, String detail) {

    public enum Kind {
        /** An admitted fact whose {@code activeAfter} exceeds the {@code maxConcurrency} it carries. */
        ADMITTED_ABOVE_LIMIT,
        /** The active count recomputed from the log exceeds the limit in force at an admission. */
        ACTIVE_ABOVE_LIMIT,
        /** A second admitted fact for a session. */
        DUPLICATE_ADMISSION,
        /** A second ended or failed fact for a session: its slot would be freed twice. */
        ENDED_TWICE,
        /** A started fact for a session never admitted. */
        START_WITHOUT_ADMISSION,
        /** An ended or failed fact for a session never admitted. */
        END_WITHOUT_ADMISSION,
        /** A started fact after the session had already ended. */
        START_AFTER_END,
        /** A waiter admitted from the line while one queued before it (same agent) was still waiting. */
        LINE_OUT_OF_ORDER,
        /**
         * A session admitted while it still waited in its agent's line, or admitted without waiting
         * while others waited (a plain connect jumped the line).
         */
        LINE_JUMPED,
        /** A dequeued fact for a session not in its agent's line (never queued, or dequeued before). */
        DEQUEUED_NOT_IN_LINE,
        /** An admission of a session that had left the line unadmitted (timed out or gone). */
        ADMITTED_AFTER_LEAVING_LINE,
        /** A repeated fact for a session not admitted or already ended: a repeat gets no room that way. */
        REPEAT_WITHOUT_LIVE_SESSION,
        /**
         * A {@code dequeued(admitted)} fact not followed, as its agent's next fact (the same
         * transaction), by that session's {@code admitted} fact (or the log ends first).
         */
        DEQUEUED_WITHOUT_ADMISSION,
        /**
         * A count a fact of an agent that uses the line or idempotency keys reports (the
         * {@code active} of queued and rejected, the {@code active_after} of admitted, ended and
         * failed) above the slots its admitted sessions hold, recomputed from the log: a waiter or a
         * repeated connect was counted as a slot.
         */
        COUNTED_WITHOUT_SLOT,
        /** Timing rule: an admitted fact recorded after the request's deadline (the caller had given up). */
        ADMITTED_AFTER_DEADLINE,
        /**
         * Timing rule: a session still live (started, ended or failed later, or not ended at all)
         * more than the tolerance after its lease ran out.
         */
        LIVE_PAST_LEASE
    }

    @Override
    public String toString() {
        return kind + " session=" + sessionId + " agent=" + agentId + " at #" + position + ": " + detail;
    }
}
