package ai.ojin.session.audit.timeline;

import ai.ojin.session.audit.AuditCli;
import ai.ojin.session.audit.log.ClusterOptions;
import ai.ojin.session.audit.log.FactJson;
import ai.ojin.session.audit.log.LogReader;
import ai.ojin.session.audit.log.Logged;
import ai.ojin.session.audit.log.TimeRange;
import ai.ojin.session.events.SessionIds;
import ai.ojin.session.events.fact.SessionAdmitted;
import ai.ojin.session.events.fact.SessionEvent;
import ai.ojin.session.events.fact.SessionRepeated;
import ai.ojin.session.events.fact.SessionRequested;
import java.io.PrintWriter;
import java.time.Instant;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** Every fact of a session, an agent or a client_user_ref, in order, with partition and offset. */
@Command(name = "timeline", mixinStandardHelpOptions = true,
        description = "Every fact of the selected sessions in order, with partition and offset.")
public final class TimelineCommand implements Callable<Integer> {

    static final class Selection {
        @Option(names = "--session", paramLabel = "ID", required = true) String sessionId;
        @Option(names = "--agent", paramLabel = "ID", required = true) String agentId;
        @Option(names = "--client-user-ref", paramLabel = "REF", required = true) String clientUserRef;
    }

    @ArgGroup(exclusive = true, multiplicity = "1")
    Selection selection;

    @Option(names = "--from", converter = ClusterOptions.InstantConverter.class, description = "facts at or after T")
    Instant from;

    @Option(names = "--to", converter = ClusterOptions.InstantConverter.class, description = "facts before T")
    Instant to;

    @Option(names = "--json", description = "JSON lines instead of a table")
    boolean json;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        ClusterOptions cluster = AuditCli.cluster(spec);
        TimeRange range = new TimeRange(from, to);
        PrintWriter out = spec.commandLine().getOut();
        LogReader reader = new LogReader(cluster, spec.commandLine().getErr());
        List<Logged<SessionEvent>> facts = select(reader, cluster);
        List<Logged<SessionEvent>> shown = facts.stream()
                .filter(f -> !f.readable() || range.contains(f.value().at()))
                .sorted(ORDER)
                .toList();
        if (json) {
            shown.forEach(f -> out.println(FactJson.line(f)));
        } else {
            out.printf("%-27s %4s %8s  %-10s %-40s %s%n", "AT", "PART", "OFFSET", "TYPE", "SESSION", "DETAILS");
            for (Logged<SessionEvent> f : shown) {
                if (f.readable()) {
                    SessionEvent e = f.value();
                    out.printf("%-27s %4d %8d  %-10s %-40s %s%n", e.at(), f.partition(), f.offset(), e.typeName(),
                            e.sessionId(), FactJson.details(e));
                } else {
                    out.printf("%-27s %4d %8d  %-10s %-40s %s%n", "-", f.partition(), f.offset(), "UNREADABLE", "-",
                            f.error());
                }
            }
        }
        out.flush();
        spec.commandLine().getErr().printf("%d fact(s)%n", shown.size());
        spec.commandLine().getErr().flush();
        return 0;
    }

    private List<Logged<SessionEvent>> select(LogReader reader, ClusterOptions cluster) {
        var topic = cluster.topics().events();
        if (selection.sessionId != null) {
            String agent = SessionIds.agentOf(selection.sessionId).orElse(null);
            List<Logged<SessionEvent>> facts = agent != null ? reader.readKey(topic, agent) : reader.readAll(topic);
            // and the repeated fact a connect repeated under this id caused (it names the session it repeated)
            return facts.stream().filter(f -> f.readable() && (selection.sessionId.equals(f.value().sessionId())
                    || f.value() instanceof SessionRepeated r && selection.sessionId.equals(r.correlationId()))).toList();
        }
        if (selection.agentId != null) {
            // facts are keyed by agent id: unreadable records of the agent's key are shown too
            return reader.readKey(topic, selection.agentId).stream()
                    .filter(f -> selection.agentId.equals(f.key())
                            && (!f.readable() || selection.agentId.equals(f.value().agentId())))
                    .toList();
        }
        List<Logged<SessionEvent>> all = reader.readAll(topic);
        Set<String> sessions = new HashSet<>();
        for (Logged<SessionEvent> f : all) {
            if (f.readable() && selection.clientUserRef.equals(clientUserRef(f.value()))) {
                sessions.add(f.value().sessionId());
            }
        }
        return all.stream().filter(f -> f.readable() && sessions.contains(f.value().sessionId())).toList();
    }

    private static String clientUserRef(SessionEvent fact) {
        if (fact instanceof SessionRequested r) {
            return r.clientUserRef();
        }
        return fact instanceof SessionAdmitted a ? a.clientUserRef() : null;
    }

    /**
     * By fact time, then place in the log. Facts of one session share a partition, so their log
     * order is kept when two have the same time.
     */
    static final Comparator<Logged<SessionEvent>> ORDER = Comparator
            .comparing((Logged<SessionEvent> f) -> f.readable() ? f.value().at() : f.timestamp(),
                    Comparator.nullsFirst(Comparator.naturalOrder()))
            .thenComparingInt(Logged::partition)
            .thenComparingLong(Logged::offset);
}
