package ai.ojin.session.rules.audit;

import ai.ojin.session.rules.audit.Violation.Kind;
import ai.ojin.session.events.fact.SessionAdmitted;
import ai.ojin.session.events.fact.SessionEnded;
import ai.ojin.session.events.fact.SessionEvent;
import ai.ojin.session.events.fact.SessionFailed;
import ai.ojin.session.events.fact.SessionDequeued;
import ai.ojin.session.events.fact.SessionQueued;
import ai.ojin.session.events.fact.SessionRejected;
import ai.ojin.session.events.fact.SessionRepeated;
import ai.ojin.session.events.fact.SessionStarted;
import ai.ojin.session.events.fact.ParticipantJoined;
import ai.ojin.session.events.fact.ParticipantLeft;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Checks the concurrency invariants from the fact log alone (no other state): folds the facts of
 * {@code session-events}, in log order, and reports
 * <ul>
 *   <li>an admission above the limit in force: {@code activeAfter > maxConcurrency} on the fact
 *       ({@link Kind#ADMITTED_ABOVE_LIMIT}), or the active count recomputed from the log (admitted
 *       +1, first ended/failed of an admitted session -1) above the admission's limit
 *       ({@link Kind#ACTIVE_ABOVE_LIMIT});</li>
 *   <li>a session admitted twice ({@link Kind#DUPLICATE_ADMISSION});</li>
 *   <li>a session ended or failed twice ({@link Kind#ENDED_TWICE});</li>
 *   <li>a start or end without admission ({@link Kind#START_WITHOUT_ADMISSION},
 *       {@link Kind#END_WITHOUT_ADMISSION}), and a start after the end ({@link Kind#START_AFTER_END});</li>
 *   <li>the agent's line ({@code queued}, {@code dequeued}): a waiter admitted before one queued
 *       earlier ({@link Kind#LINE_OUT_OF_ORDER}), an admission while the session still waits or of a
 *       session that never waited while others wait ({@link Kind#LINE_JUMPED}), a dequeue of a
 *       session not in the line ({@link Kind#DEQUEUED_NOT_IN_LINE}), an admission after the session
 *       left the line timed out or gone ({@link Kind#ADMITTED_AFTER_LEAVING_LINE}), a
 *       {@code dequeued(admitted)} not followed, as its agent's next fact, by that session's
 *       admission ({@link Kind#DEQUEUED_WITHOUT_ADMISSION}); a waiter holds no slot until admitted;</li>
 *   <li>a {@code repeated} fact for a session that is not live ({@link Kind#REPEAT_WITHOUT_LIVE_SESSION});
 *       it never changes the active count;</li>
 *   <li>for agents with {@code queued} or {@code repeated} facts, a count a fact reports above the
 *       slots the log's admitted sessions hold: a waiter or a repeat counted as a slot
 *       ({@link Kind#COUNTED_WITHOUT_SLOT}).</li>
 * </ul>
 * Facts of one agent share a partition, so per-agent log order is all the check needs; facts of
 * different agents may be interleaved in any way. Run it over the whole log of the topic (from the
 * beginning, {@code read_committed}): a suffix lacks the admissions of sessions still running.
 *
 * <p>{@link #check(Iterable, Timing)} adds the timing rules: an admission recorded after its
 * request's deadline ({@link Kind#ADMITTED_AFTER_DEADLINE}) and a session live past its lease
 * ({@link Kind#LIVE_PAST_LEASE}: started, ended or failed more than the tolerance after the lease
 * in force ran out, or still live at the end of the log by more than that).
 */
public final class AuditCheck {

    private AuditCheck() {
    }

    /** The invariants only (no timing rules): what every Kafka test checks its log with. */
    public static AuditReport check(Iterable<? extends SessionEvent> facts) {
        return check(facts, null);
    }

    /**
     * The invariants plus, when {@code timing} is not null, the timing rules.
     *
     * @param timing how late a lease may be enforced, and the moment the log is read at
     */
    public static AuditReport check(Iterable<? extends SessionEvent> facts, Timing timing) {
        Fold fold = new Fold(timing);
        long position = 0;
        Instant latest = null;
        for (SessionEvent fact : facts) {
            fold.apply(fact, position++);
            if (fact.at() != null && (latest == null || fact.at().isAfter(latest))) {
                latest = fact.at();
            }
        }
        fold.endOfLog();
        if (timing != null) {
            fold.stillLive(timing.asOf() != null ? timing.asOf() : latest);
        }
        return new AuditReport(position, fold.admissions, fold.maxActive, fold.violations);
    }

    /**
     * Settings of the timing rules.
     *
     * @param leaseTolerance how long after a lease ran out the session may still be live: the
     *     processor's punctuation interval plus its scheduling and commit delays
     * @param asOf the moment the log was read at, to judge sessions that are still live; null =
     *     the latest fact's time (a processor that stopped writing is then not blamed for leases
     *     that ran out after its last fact)
     */
    public record Timing(Duration leaseTolerance, Instant asOf) {

        public Timing {
            if (leaseTolerance == null || leaseTolerance.isNegative()) {
                throw new IllegalArgumentException("leaseTolerance must not be negative");
            }
        }
    }

    private static final class Fold {
        private final Timing timing;
        /** Live sessions: the lease in force and the position of the fact that set it. */
        private final Map<String, Lease> leases = new LinkedHashMap<>();
        private final Set<String> admitted = new HashSet<>();
        private final Set<String> ended = new HashSet<>();
        private final Map<String, Integer> active = new HashMap<>();
        private final Map<String, Integer> maxActive = new HashMap<>();
        private final List<Violation> violations = new ArrayList<>();
        /** Each agent's line: waiting session ids in the order they were queued. */
        private final Map<String, Set<String>> lines = new HashMap<>();
        /** Sessions that left a line, and how. */
        private final Map<String, SessionDequeued.Outcome> leftLine = new HashMap<>();
        /** Per agent, a {@code dequeued(admitted)} whose admission must be the agent's next fact. */
        private final Map<String, Pending> pendingAdmissions = new HashMap<>();
        /** Agents with a queued or repeated fact: the counts their facts report are checked against the log. */
        private final Set<String> lineOrKeyAgents = new HashSet<>();
        private long admissions;

        Fold(Timing timing) {
            this.timing = timing;
        }

        void apply(SessionEvent fact, long position) {
            Pending pending = pendingAdmissions.remove(fact.agentId());
            if (pending != null && !(fact instanceof SessionAdmitted && fact.sessionId().equals(pending.sessionId()))) {
                violation(Kind.DEQUEUED_WITHOUT_ADMISSION, pending.fact(), pending.position(),
                        "dequeued admitted, but the agent's next fact is " + fact.typeName() + " of " + fact.sessionId());
            }
            if (fact instanceof SessionQueued || fact instanceof SessionRepeated) {
                lineOrKeyAgents.add(fact.agentId());
            }
            // Java 17: no pattern matching for switch yet.
            if (fact instanceof SessionAdmitted a) {
                admit(a, position);
            } else if (fact instanceof SessionStarted s) {
                start(s, position);
            } else if (fact instanceof SessionEnded || fact instanceof SessionFailed) {
                end(fact, position);
            } else if (fact instanceof ParticipantJoined j) {
                presence(fact, j.leaseUntil(), position);
            } else if (fact instanceof ParticipantLeft l) {
                presence(fact, l.leaseUntil(), position);
            } else if (fact instanceof SessionQueued q) {
                line(fact.agentId()).add(fact.sessionId());
                reported(fact, q.active(), position);
            } else if (fact instanceof SessionRejected r) {
                reported(fact, r.active(), position);
            } else if (fact instanceof SessionDequeued d) {
                dequeue(d, position);
            } else if (fact instanceof SessionRepeated) {
                if (!admitted.contains(fact.sessionId()) || ended.contains(fact.sessionId())) {
                    violation(Kind.REPEAT_WITHOUT_LIVE_SESSION, fact, position, "repeated but the session is not live");
                }
            }
            // requested and rejected facts hold no slot; joined and left ones only move the lease; a
            // waiter holds none until admitted; a repeat takes none
        }

        private Set<String> line(String agentId) {
            return lines.computeIfAbsent(agentId, a -> new java.util.LinkedHashSet<>());
        }

        private void dequeue(SessionDequeued fact, long position) {
            Set<String> line = line(fact.agentId());
            if (!line.contains(fact.sessionId())) {
                violation(Kind.DEQUEUED_NOT_IN_LINE, fact, position, "dequeued (" + fact.outcome().wire()
                        + ") but not in the agent's line");
                return;
            }
            String first = line.iterator().next();
            if (fact.outcome() == SessionDequeued.Outcome.ADMITTED && !first.equals(fact.sessionId())) {
                violation(Kind.LINE_OUT_OF_ORDER, fact, position, "admitted from the line before " + first
                        + ", which was queued earlier");
            }
            line.remove(fact.sessionId());
            leftLine.put(fact.sessionId(), fact.outcome());
            if (fact.outcome() == SessionDequeued.Outcome.ADMITTED) {
                pendingAdmissions.put(fact.agentId(), new Pending(fact.sessionId(), fact, position));
            }
        }

        /** At the end of the log: a {@code dequeued(admitted)} still waiting for its admission. */
        void endOfLog() {
            for (Pending pending : pendingAdmissions.values()) {
                violation(Kind.DEQUEUED_WITHOUT_ADMISSION, pending.fact(), pending.position(),
                        "dequeued admitted, but the log ends before its admission");
            }
            pendingAdmissions.clear();
        }

        /** A count reported by a fact of an agent using the line or keys, against the slots held per the log. */
        private void reported(SessionEvent fact, Integer count, long position) {
            if (count == null || !lineOrKeyAgents.contains(fact.agentId())) {
                return;
            }
            int held = Math.max(0, active.getOrDefault(fact.agentId(), 0));
            if (count > held) {
                violation(Kind.COUNTED_WITHOUT_SLOT, fact, position, fact.typeName() + " reports " + count
                        + " active, but admitted sessions hold " + held + " slot(s)");
            }
        }

        /** The line rules of an admission: it never jumps the line, and a waiter that left is never admitted. */
        private void lineRules(SessionAdmitted fact, long position) {
            Set<String> line = line(fact.agentId());
            SessionDequeued.Outcome left = leftLine.get(fact.sessionId());
            if (left != null && left != SessionDequeued.Outcome.ADMITTED) {
                violation(Kind.ADMITTED_AFTER_LEAVING_LINE, fact, position, "admitted after it left the line "
                        + left.wire());
            } else if (line.contains(fact.sessionId())) {
                violation(Kind.LINE_JUMPED, fact, position, "admitted while still waiting in the line");
            } else if (left == null && !line.isEmpty()) {
                violation(Kind.LINE_JUMPED, fact, position, "admitted without waiting while " + line.size()
                        + " waited");
            }
        }

        /** A participant joined or left a live session: the lease it sets is the one in force from now on. */
        private void presence(SessionEvent fact, Instant leaseUntil, long position) {
            if (!admitted.contains(fact.sessionId()) || ended.contains(fact.sessionId())) {
                return;
            }
            livePastLease(fact, position);
            if (leaseUntil != null) {
                leases.put(fact.sessionId(), new Lease(fact, leaseUntil, position));
            }
        }

        private void admit(SessionAdmitted fact, long position) {
            admissions++;
            if (!admitted.add(fact.sessionId())) {
                violation(Kind.DUPLICATE_ADMISSION, fact, position, "admitted again");
                return;
            }
            lineRules(fact, position);
            if (timing != null && fact.deadline() != null && fact.at() != null && fact.at().isAfter(fact.deadline())) {
                violation(Kind.ADMITTED_AFTER_DEADLINE, fact, position,
                        "admitted at " + fact.at() + " after the request's deadline " + fact.deadline());
            }
            if (fact.leaseUntil() != null) {
                leases.put(fact.sessionId(), new Lease(fact, fact.leaseUntil(), position));
            }
            if (fact.activeAfter() > fact.maxConcurrency()) {
                violation(Kind.ADMITTED_ABOVE_LIMIT, fact, position,
                        "active_after " + fact.activeAfter() + " > max_concurrency " + fact.maxConcurrency());
            }
            int now = active.merge(fact.agentId(), 1, Integer::sum);
            maxActive.merge(fact.agentId(), now, Math::max);
            reported(fact, fact.activeAfter(), position);
            if (now > fact.maxConcurrency()) {
                violation(Kind.ACTIVE_ABOVE_LIMIT, fact, position,
                        "recomputed active " + now + " > max_concurrency " + fact.maxConcurrency());
            }
        }

        private void start(SessionStarted fact, long position) {
            if (!admitted.contains(fact.sessionId())) {
                violation(Kind.START_WITHOUT_ADMISSION, fact, position, "started but never admitted");
            } else if (ended.contains(fact.sessionId())) {
                violation(Kind.START_AFTER_END, fact, position, "started after it ended");
            } else {
                livePastLease(fact, position);
                if (fact.leaseUntil() != null) {
                    leases.put(fact.sessionId(), new Lease(fact, fact.leaseUntil(), position));
                }
            }
        }

        private void end(SessionEvent fact, long position) {
            if (!admitted.contains(fact.sessionId())) {
                violation(Kind.END_WITHOUT_ADMISSION, fact, position, fact.typeName() + " but never admitted");
                return;
            }
            if (!ended.add(fact.sessionId())) {
                violation(Kind.ENDED_TWICE, fact, position, fact.typeName() + " after the session had ended");
                return;
            }
            livePastLease(fact, position);
            leases.remove(fact.sessionId());
            active.merge(fact.agentId(), -1, Integer::sum);
            reported(fact, fact instanceof SessionEnded e ? e.activeAfter() : ((SessionFailed) fact).activeAfter(),
                    position);
        }

        /** A start or end of a live session more than the tolerance after its lease ran out. */
        private void livePastLease(SessionEvent fact, long position) {
            Lease lease = leases.get(fact.sessionId());
            if (timing == null || lease == null || fact.at() == null) {
                return;
            }
            Duration late = Duration.between(lease.until(), fact.at());
            if (late.compareTo(timing.leaseTolerance()) > 0) {
                violation(Kind.LIVE_PAST_LEASE, fact, position, fact.typeName() + " at " + fact.at() + ", "
                        + late.toMillis() + " ms after its lease ran out at " + lease.until());
            }
        }

        /** Sessions still live at {@code asOf} more than the tolerance after their lease ran out. */
        void stillLive(Instant asOf) {
            if (asOf == null) {
                return;
            }
            for (Lease lease : leases.values()) {
                Duration late = Duration.between(lease.until(), asOf);
                if (late.compareTo(timing.leaseTolerance()) > 0) {
                    violation(Kind.LIVE_PAST_LEASE, lease.fact(), lease.position(), "still live at " + asOf + ", "
                            + late.toMillis() + " ms after its lease ran out at " + lease.until());
                }
            }
        }
        private void violation(Kind kind, SessionEvent fact, long position, String detail) {
            violations.add(new Violation(kind, fact.sessionId(), fact.agentId(), position, detail));
        }
    }

    private record Lease(SessionEvent fact, Instant until, long position) {
    }

    private record Pending(String sessionId, SessionEvent fact, long position) {
    }
}
