package ai.ojin.session.audit.check;

import ai.ojin.session.audit.AuditCli;
import ai.ojin.session.audit.log.ClusterOptions;
import ai.ojin.session.audit.log.LogReader;
import ai.ojin.session.audit.log.Logged;
import ai.ojin.session.audit.log.TimeRange;
import ai.ojin.session.rules.audit.AuditCheck;
import ai.ojin.session.rules.audit.AuditReport;
import ai.ojin.session.rules.audit.Violation;
import ai.ojin.session.events.fact.SessionEvent;
import ai.ojin.session.events.json.Json;
import java.io.PrintWriter;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import tools.jackson.databind.node.ObjectNode;

/**
 * Folds the whole fact log with {@link AuditCheck} (invariants and timing rules) and reports each
 * violation whose fact lies in the window, with partition and offset. Unreadable facts are
 * findings too. Exit 0 clean, 1 violations, 2 could not read.
 */
@Command(name = "check", mixinStandardHelpOptions = true,
        description = "Check every decision in the log against the invariants; exit 0 clean, 1 violations, 2 could not read.")
public final class CheckCommand implements Callable<Integer> {

    @Option(names = "--from", converter = ClusterOptions.InstantConverter.class,
            description = "report violations of facts at or after T (the whole log is always folded)")
    Instant from;

    @Option(names = "--to", converter = ClusterOptions.InstantConverter.class, description = "... and before T")
    Instant to;

    @Option(names = "--lease-tolerance", defaultValue = "5s", converter = ClusterOptions.DurationConverter.class,
            description = "how long after its lease a session may still be live: the processor's punctuation "
                    + "interval plus commit delays (default: ${DEFAULT-VALUE})")
    Duration leaseTolerance;

    @Option(names = "--json", description = "JSON lines instead of a table")
    boolean json;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        ClusterOptions cluster = AuditCli.cluster(spec);
        TimeRange range = new TimeRange(from, to);
        PrintWriter out = spec.commandLine().getOut();
        List<Logged<SessionEvent>> logged = new LogReader(cluster, spec.commandLine().getErr())
                .readAll(cluster.topics().events());
        List<Logged<SessionEvent>> readable = new ArrayList<>();
        List<Finding> findings = new ArrayList<>();
        for (Logged<SessionEvent> f : logged) {
            if (f.readable() && f.value() != null) {
                readable.add(f);
            } else if (range.contains(f.timestamp()) || range.equals(TimeRange.ALL)) {
                findings.add(new Finding("UNREADABLE_FACT", f, null, null, f.value() == null && f.readable()
                        ? "a record without a value" : f.error()));
            }
        }
        AuditReport report = AuditCheck.check(readable.stream().map(Logged::value).toList(),
                new AuditCheck.Timing(leaseTolerance, null));
        for (Violation v : report.violations()) {
            Logged<SessionEvent> at = readable.get((int) v.position());
            if (range.contains(at.value().at())) {
                findings.add(new Finding(v.kind().name(), at, v.sessionId(), v.agentId(), v.detail()));
            }
        }
        print(out, findings);
        spec.commandLine().getErr().printf("%d fact(s) checked, %d admission(s), %d violation(s)%n",
                report.factsChecked(), report.admissions(), findings.size());
        spec.commandLine().getErr().flush();
        return findings.isEmpty() ? AuditCli.CLEAN : AuditCli.FINDINGS;
    }

    private void print(PrintWriter out, List<Finding> findings) {
        if (json) {
            for (Finding f : findings) {
                ObjectNode node = Json.MAPPER.createObjectNode();
                node.put("kind", f.kind());
                node.put("partition", f.logged().partition());
                node.put("offset", f.logged().offset());
                node.put("session_id", f.sessionId());
                node.put("agent_id", f.agentId());
                node.put("detail", f.detail());
                out.println(Json.MAPPER.writeValueAsString(node));
            }
        } else if (findings.isEmpty()) {
            out.println("OK: no violations");
        } else {
            out.printf("%-24s %4s %8s  %-40s %s%n", "VIOLATION", "PART", "OFFSET", "SESSION", "DETAIL");
            for (Finding f : findings) {
                out.printf("%-24s %4d %8d  %-40s %s%n", f.kind(), f.logged().partition(), f.logged().offset(),
                        f.sessionId() == null ? "-" : f.sessionId(), f.detail());
            }
        }
        out.flush();
    }

    private record Finding(String kind, Logged<SessionEvent> logged, String sessionId, String agentId, String detail) {
    }
}
