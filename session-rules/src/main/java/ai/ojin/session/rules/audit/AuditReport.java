package ai.ojin.session.rules.audit;

import java.util.List;

/**
 * The result of {@link AuditCheck#check}: how many facts were read and every violation found.
 *
 * @param admissions admitted facts seen
 * @param maxActiveByAgent the highest recomputed active count of each agent
 */
public record AuditReport(long factsChecked, long admissions, java.util.Map<String, Integer> maxActiveByAgent,
        List<Violation> violations) {

    public AuditReport {
        maxActiveByAgent = java.util.Map.copyOf(maxActiveByAgent);
        violations = List.copyOf(violations);
    }

    public boolean ok() {
        return violations.isEmpty();
    }

    public List<Violation> violationsOf(Violation.Kind kind) {
        return violations.stream().filter(v -> v.kind() == kind).toList();
    }

    @Override
    public String toString() {
        return "AuditReport[facts=" + factsChecked + ", admissions=" + admissions + ", maxActiveByAgent="
                + maxActiveByAgent + ", violations=" + violations + "]";
    }
}
