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
        /** Timing rule: an admitted fact recorded after the request's deadline (the caller had given up). */
        ADMITTED_AFTER_DEADLINE,
        /**
         * Timing rule: a session still live (started, ended or failed later, or not ended at all)
         * more than the tolerance after its lease ran out.
         */
        LIVE_PAST_LEASE,
        /**
         * The waiting line is first come first served: a waiter was dequeued {@code admitted} while
         * a waiter of the same agent queued before it was still in the line.
         */
        DEQUEUED_OUT_OF_ORDER,
        /** A session admitted without having waited while waiters of its agent were in the line: it jumped the line. */
        ADMITTED_AHEAD_OF_LINE,
        /** A dequeued fact for a session never queued (or queued only after it). */
        DEQUEUED_WITHOUT_QUEUE,
        /** A second dequeued fact for a session: it left the line twice. */
        DEQUEUED_TWICE,
        /**
         * A {@code dequeued(admitted)} fact not followed, as its agent's next fact (the same
         * transaction), by that session's {@code admitted} fact.
         */
        DEQUEUED_WITHOUT_ADMISSION,
        /** An admitted fact for a session that left the line unadmitted ({@code timed_out} or {@code gone}). */
        ADMITTED_AFTER_LEAVING_LINE,
        /** An admitted fact for a session still in the line (no {@code dequeued(admitted)} before it). */
        ADMITTED_WHILE_QUEUED,
        /**
         * A count a fact of an agent that uses the line or idempotency keys reports (the
         * {@code active} of queued and rejected, the {@code active_after} of admitted, ended and
         * failed) is above the slots its admitted sessions hold, recomputed from the log: a waiter
         * or a repeated connect was counted as a slot.
         */
        COUNTED_WITHOUT_SLOT,
        /** A repeated fact for a session not admitted, or already ended or failed. */
        REPEATED_NOT_LIVE
    }

    @Override
    public String toString() {
        return kind + " session=" + sessionId + " agent=" + agentId + " at #" + position + ": " + detail;
    }
}
