package ai.ojin.session.events.audit;

import ai.ojin.session.events.audit.Violation.Kind;
import ai.ojin.session.events.fact.SessionAdmitted;
import ai.ojin.session.events.fact.SessionEnded;
import ai.ojin.session.events.fact.SessionEvent;
import ai.ojin.session.events.fact.SessionFailed;
import ai.ojin.session.events.fact.SessionStarted;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
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
 *       {@link Kind#END_WITHOUT_ADMISSION}), and a start after the end ({@link Kind#START_AFTER_END}).</li>
 * </ul>
 * Facts of one agent share a partition, so per-agent log order is all the check needs; facts of
 * different agents may be interleaved in any way. Run it over the whole log of the topic (from the
 * beginning, {@code read_committed}): a suffix lacks the admissions of sessions still running.
 */
public final class AuditCheck {

    private AuditCheck() {
    }

    public static AuditReport check(Iterable<? extends SessionEvent> facts) {
        Fold fold = new Fold();
        long position = 0;
        for (SessionEvent fact : facts) {
            fold.apply(fact, position++);
        }
        return new AuditReport(position, fold.admissions, fold.maxActive, fold.violations);
    }

    private static final class Fold {
        private final Set<String> admitted = new HashSet<>();
        private final Set<String> ended = new HashSet<>();
        private final Map<String, Integer> active = new HashMap<>();
        private final Map<String, Integer> maxActive = new HashMap<>();
        private final List<Violation> violations = new ArrayList<>();
        private long admissions;

        void apply(SessionEvent fact, long position) {
            // Java 17: no pattern matching for switch yet.
            if (fact instanceof SessionAdmitted a) {
                admit(a, position);
            } else if (fact instanceof SessionStarted s) {
                start(s, position);
            } else if (fact instanceof SessionEnded || fact instanceof SessionFailed) {
                end(fact, position);
            }
            // requested, rejected, joined and left facts hold no slot
        }

        private void admit(SessionAdmitted fact, long position) {
            admissions++;
            if (!admitted.add(fact.sessionId())) {
                violation(Kind.DUPLICATE_ADMISSION, fact, position, "admitted again");
                return;
            }
            if (fact.activeAfter() > fact.maxConcurrency()) {
                violation(Kind.ADMITTED_ABOVE_LIMIT, fact, position,
                        "active_after " + fact.activeAfter() + " > max_concurrency " + fact.maxConcurrency());
            }
            int now = active.merge(fact.agentId(), 1, Integer::sum);
            maxActive.merge(fact.agentId(), now, Math::max);
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
            active.merge(fact.agentId(), -1, Integer::sum);
        }

        private void violation(Kind kind, SessionEvent fact, long position, String detail) {
            violations.add(new Violation(kind, fact.sessionId(), fact.agentId(), position, detail));
        }
    }
}
