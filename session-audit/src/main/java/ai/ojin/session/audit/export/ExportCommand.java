package ai.ojin.session.audit.export;

import ai.ojin.session.audit.AuditCli;
import ai.ojin.session.audit.log.ClusterOptions;
import ai.ojin.session.audit.log.FactJson;
import ai.ojin.session.audit.log.LogReader;
import ai.ojin.session.audit.log.Logged;
import ai.ojin.session.audit.log.TimeRange;
import ai.ojin.session.audit.schema.SchemaGenerator;
import ai.ojin.session.events.fact.SessionEvent;
import ai.ojin.session.events.history.CallRecord;
import ai.ojin.session.events.json.Json;
import ai.ojin.session.history.call.CallState;
import java.io.PrintWriter;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import tools.jackson.databind.node.ObjectNode;

/**
 * Facts or finished calls of a window, as JSON lines or CSV, for analytics tools. Calls are folded
 * with the call-history sink's own {@link CallState}, so they equal the records on
 * {@code call-history}.
 */
@Command(name = "export", mixinStandardHelpOptions = true,
        description = "Facts (by fact time) or finished calls (by requested_at) of a window as JSON lines or CSV.")
public final class ExportCommand implements Callable<Integer> {

    enum Format { jsonl, csv }

    enum What { facts, calls }

    @Option(names = "--from", required = true, converter = ClusterOptions.InstantConverter.class, description = "at or after T")
    Instant from;

    @Option(names = "--to", required = true, converter = ClusterOptions.InstantConverter.class, description = "before T")
    Instant to;

    @Option(names = "--format", defaultValue = "jsonl", description = "jsonl or csv (default: ${DEFAULT-VALUE})")
    Format format;

    @Option(names = "--what", defaultValue = "facts", description = "facts or calls (default: ${DEFAULT-VALUE})")
    What what;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        ClusterOptions cluster = AuditCli.cluster(spec);
        TimeRange range = new TimeRange(from, to);
        PrintWriter out = spec.commandLine().getOut();
        List<Logged<SessionEvent>> facts = new LogReader(cluster, spec.commandLine().getErr())
                .readAll(cluster.topics().events());
        int rows = what == What.facts ? facts(facts, range, out) : calls(facts, range, out);
        out.flush();
        spec.commandLine().getErr().printf("%d %s exported%n", rows, what);
        spec.commandLine().getErr().flush();
        return 0;
    }

    private int facts(List<Logged<SessionEvent>> facts, TimeRange range, PrintWriter out) {
        List<String> columns = new ArrayList<>(List.of("partition", "offset"));
        columns.addAll(SchemaGenerator.factColumns());
        if (format == Format.csv) {
            out.println(Csv.row(columns));
        }
        int rows = 0;
        for (Logged<SessionEvent> f : facts) {
            if (!f.readable() || f.value() == null || !range.contains(f.value().at())) {
                continue;
            }
            rows++;
            if (format == Format.jsonl) {
                out.println(FactJson.line(f));
            } else {
                ObjectNode row = Json.MAPPER.valueToTree(f.value());
                row.put("partition", f.partition());
                row.put("offset", f.offset());
                out.println(Csv.row(row, columns));
            }
        }
        return rows;
    }

    private int calls(List<Logged<SessionEvent>> facts, TimeRange range, PrintWriter out) {
        Map<String, CallState> calls = new LinkedHashMap<>();
        for (Logged<SessionEvent> f : facts) {
            if (f.readable() && f.value() != null) {
                calls.merge(f.value().sessionId(), CallState.of(f.value()), CallState::merge);
            }
        }
        List<CallRecord> records = calls.values().stream()
                .filter(CallState::finished)
                .map(CallState::toCallRecord)
                .filter(r -> range.contains(r.requestedAt()))
                .sorted(Comparator.comparing(CallRecord::requestedAt).thenComparing(CallRecord::sessionId))
                .toList();
        List<String> columns = SchemaGenerator.callColumns();
        if (format == Format.csv) {
            out.println(Csv.row(columns));
        }
        for (CallRecord record : records) {
            out.println(format == Format.jsonl ? Json.MAPPER.writeValueAsString(record)
                    : Csv.row(Json.MAPPER.valueToTree(record), columns));
        }
        return records.size();
    }
}
