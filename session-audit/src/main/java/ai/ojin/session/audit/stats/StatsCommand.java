package ai.ojin.session.audit.stats;

import ai.ojin.session.audit.AuditCli;
import ai.ojin.session.audit.log.ClusterOptions;
import ai.ojin.session.audit.log.LogReader;
import ai.ojin.session.audit.log.Logged;
import ai.ojin.session.audit.log.TimeRange;
import ai.ojin.session.events.fact.SessionEvent;
import ai.ojin.session.events.json.Json;
import java.io.PrintWriter;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import tools.jackson.databind.node.ObjectNode;

/** Admissions, rejections by error code, no-shows, set-up time and session length, peak concurrency, waits in line. */
@Command(name = "stats", mixinStandardHelpOptions = true,
        description = "Figures of the sessions requested in a window: admissions, rejections by error code, no-shows, "
                + "p50/p95 of set-up time and session length, peak concurrency per agent, waits in line per agent.")
public final class StatsCommand implements Callable<Integer> {

    @Option(names = "--from", converter = ClusterOptions.InstantConverter.class, description = "sessions requested at or after T")
    Instant from;

    @Option(names = "--to", converter = ClusterOptions.InstantConverter.class, description = "sessions requested before T")
    Instant to;

    @Option(names = "--agent", paramLabel = "ID", description = "only this agent")
    String agent;

    @Option(names = "--json", description = "one JSON object instead of text")
    boolean json;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        ClusterOptions cluster = AuditCli.cluster(spec);
        SessionStats stats = new SessionStats(new TimeRange(from, to), agent);
        List<Logged<SessionEvent>> facts = agent != null
                ? new LogReader(cluster, spec.commandLine().getErr()).readKey(cluster.topics().events(), agent)
                : new LogReader(cluster, spec.commandLine().getErr()).readAll(cluster.topics().events());
        facts.stream().filter(f -> f.readable() && f.value() != null).forEach(f -> stats.add(f.value()));
        PrintWriter out = spec.commandLine().getOut();
        out.println(json ? json(stats) : text(stats));
        out.flush();
        return 0;
    }

    private static String text(SessionStats s) {
        StringBuilder sb = new StringBuilder();
        sb.append(String.format("requests              %d%n", s.requests));
        sb.append(String.format("admissions            %d%n", s.admissions));
        sb.append(String.format("rejections            %d %s%n", sum(s.rejections), s.rejections));
        sb.append(String.format("started               %d%n", s.starts));
        sb.append(String.format("set-up failures       %d %s%n", sum(s.failures), s.failures));
        sb.append(String.format("ended                 %d %s%n", sum(s.endReasons), s.endReasons));
        sb.append(String.format("no-shows              %d%n", s.noShows));
        sb.append(String.format("set-up time (ms)      p50 %s  p95 %s  (requested -> started, %d sessions)%n",
                SessionStats.percentile(s.setupMs, 0.5), SessionStats.percentile(s.setupMs, 0.95), s.setupMs.size()));
        sb.append(String.format("session length (ms)  p50 %s  p95 %s  (started -> ended, %d sessions)%n",
                SessionStats.percentile(s.lengthMs, 0.5), SessionStats.percentile(s.lengthMs, 0.95), s.lengthMs.size()));
        sb.append("peak concurrency per agent (limit at the last admission):");
        if (s.peak.isEmpty()) {
            sb.append(" none");
        }
        s.peak.forEach((agent, peak) -> sb.append(String.format("%n  %-40s %d / %d", agent, peak, s.limit.get(agent))));
        sb.append(String.format("%nwaits in line per agent (queued -> dequeued):"));
        if (s.lines.isEmpty()) {
            sb.append(" none");
        }
        s.lines.forEach((agent, line) -> sb.append(String.format("%n  %-40s queued %d %s  wait (ms) p50 %s  p95 %s", agent,
                line.queued, line.outcomes, SessionStats.percentile(line.waitMs, 0.5),
                SessionStats.percentile(line.waitMs, 0.95))));
        return sb.toString();
    }

    private static String json(SessionStats s) {
        ObjectNode node = Json.MAPPER.createObjectNode();
        node.put("requests", s.requests);
        node.put("admissions", s.admissions);
        node.set("rejections", Json.MAPPER.valueToTree(s.rejections));
        node.put("started", s.starts);
        node.set("failures", Json.MAPPER.valueToTree(s.failures));
        node.set("ended", Json.MAPPER.valueToTree(s.endReasons));
        node.put("no_shows", s.noShows);
        ObjectNode setup = node.putObject("setup_ms");
        setup.put("p50", SessionStats.percentile(s.setupMs, 0.5));
        setup.put("p95", SessionStats.percentile(s.setupMs, 0.95));
        setup.put("count", s.setupMs.size());
        ObjectNode length = node.putObject("session_length_ms");
        length.put("p50", SessionStats.percentile(s.lengthMs, 0.5));
        length.put("p95", SessionStats.percentile(s.lengthMs, 0.95));
        length.put("count", s.lengthMs.size());
        node.set("peak_concurrency", Json.MAPPER.valueToTree(s.peak));
        ObjectNode lines = node.putObject("line");
        s.lines.forEach((agent, line) -> {
            ObjectNode l = lines.putObject(agent);
            l.put("queued", line.queued);
            l.set("dequeued", Json.MAPPER.valueToTree(line.outcomes));
            ObjectNode wait = l.putObject("wait_ms");
            wait.put("p50", SessionStats.percentile(line.waitMs, 0.5));
            wait.put("p95", SessionStats.percentile(line.waitMs, 0.95));
            wait.put("count", line.waitMs.size());
        });
        return Json.MAPPER.writeValueAsString(node);
    }

    private static long sum(Map<String, Long> counts) {
        return counts.values().stream().mapToLong(Long::longValue).sum();
    }
}
