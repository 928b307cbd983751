package ai.ojin.session.audit.replay;

import ai.ojin.session.audit.AuditCli;
import ai.ojin.session.audit.log.ClusterOptions;
import ai.ojin.session.audit.log.LogReader;
import ai.ojin.session.audit.log.Logged;
import ai.ojin.session.events.agent.Agent;
import ai.ojin.session.events.command.SessionCommand;
import ai.ojin.session.events.command.ParticipantPresence.Role;
import ai.ojin.session.events.fact.ParticipantJoined;
import ai.ojin.session.events.fact.ParticipantLeft;
import ai.ojin.session.events.fact.SessionAdmitted;
import ai.ojin.session.events.fact.SessionEvent;
import ai.ojin.session.events.fact.SessionStarted;
import ai.ojin.session.events.json.Json;
import ai.ojin.session.events.topic.SessionTopics;
import ai.ojin.session.processor.topology.LeaseSettings;
import java.io.PrintWriter;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import tools.jackson.databind.node.ObjectNode;

/**
 * Re-runs the recorded commands through the processor's topology offline and prints every decision
 * that differs from the recorded fact. Exit 0 none, 1 divergences, 2 could not read.
 */
@Command(name = "replay", mixinStandardHelpOptions = true,
        description = "Re-run the recorded commands through the processor's topology offline and compare every "
                + "decision with the recorded facts; exit 0 same, 1 divergences, 2 could not read.")
public final class ReplayCommand implements Callable<Integer> {

    @Option(names = "--start-lease", converter = ClusterOptions.DurationConverter.class,
            description = "the processor's processor.lease.start-lease (default: inferred from the first admitted fact, else 30s)")
    Duration startLease;

    @Option(names = "--grace", converter = ClusterOptions.DurationConverter.class,
            description = "the processor's processor.lease.grace (default: inferred from the first user join of a "
                    + "started session, else 30s)")
    Duration grace;

    @Option(names = "--punctuate-interval", defaultValue = "1s", converter = ClusterOptions.DurationConverter.class,
            description = "the processor's processor.lease.punctuate-interval: an expiry may be replayed this much "
                    + "earlier than recorded (default: ${DEFAULT-VALUE})")
    Duration punctuateInterval;

    @Option(names = "--max-retry-after", defaultValue = "60s", converter = ClusterOptions.DurationConverter.class,
            description = "the processor's processor.lease.max-retry-after (default: ${DEFAULT-VALUE})")
    Duration maxRetryAfter;

    @Option(names = "--json", description = "JSON lines instead of text")
    boolean json;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        ClusterOptions cluster = AuditCli.cluster(spec);
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        SessionTopics topics = cluster.topics();
        LogReader reader = new LogReader(cluster, err);
        List<Logged<Agent>> agents = reader.readAll(topics.agents());
        List<Logged<SessionCommand>> commands = reader.readAll(topics.commands());
        List<Logged<SessionEvent>> facts = reader.readAll(topics.events());

        LeaseSettings settings = settings(facts, startLease, grace, maxRetryAfter);
        err.printf("replaying with start lease %s, grace %s, join timeout %s, rejoin timeout %s, max retry-after %s "
                + "(recorded punctuation interval %s)%n", settings.startLease(), settings.grace(), settings.joinTimeout(),
                settings.rejoinTimeout(), settings.maxRetryAfter(), punctuateInterval);
        Replayer.Result result = new Replayer(settings, punctuateInterval).run(agents, commands, facts);

        for (Divergence d : result.divergences()) {
            out.println(json ? json(d) : d.toString());
        }
        if (!json && result.divergences().isEmpty()) {
            out.println("OK: every replayed decision equals the recorded fact");
        }
        out.flush();
        result.notes().forEach(n -> err.println("note: " + n));
        err.printf("%d command(s) replayed, %d skipped; %d session(s), %d recorded fact(s) compared; %d divergence(s)%n",
                result.commandsReplayed(), result.commandsSkipped(), result.sessionsCompared(), result.factsCompared(),
                result.divergences().size());
        err.flush();
        return result.divergences().isEmpty() ? AuditCli.CLEAN : AuditCli.FINDINGS;
    }

    /**
     * The options given, else what the log shows, else the defaults: the start lease from the first
     * admission; the join timeout from the first start nobody had joined before; the grace from the
     * first user join of a started session; the rejoin timeout from the first time the last user
     * left a started session (unless the session's own end came first).
     */
    static LeaseSettings settings(List<Logged<SessionEvent>> facts, Duration startLease, Duration grace,
            Duration maxRetryAfter) {
        Duration start = startLease;
        Duration graceValue = grace;
        Duration join = null;
        Duration rejoin = null;
        Map<String, Integer> maxSessionSeconds = new HashMap<>();
        Set<String> started = new HashSet<>();
        Map<String, Instant> firstUserJoin = new HashMap<>();
        Map<String, Integer> usersIn = new HashMap<>();
        for (Logged<SessionEvent> f : facts) {
            SessionEvent fact = f.readable() ? f.value() : null;
            String session = fact == null ? null : fact.sessionId();
            if (fact instanceof SessionAdmitted a) {
                maxSessionSeconds.put(session, a.maxSessionSeconds());
                if (start == null && a.leaseUntil() != null) {
                    start = Duration.between(a.at(), a.leaseUntil());
                }
            } else if (fact instanceof SessionStarted s) {
                started.add(session);
                if (join == null && !firstUserJoin.containsKey(session) && s.leaseUntil() != null) {
                    join = Duration.between(s.at(), s.leaseUntil());
                }
            } else if (fact instanceof ParticipantJoined j && j.role() == Role.USER && j.joinedAt() != null) {
                usersIn.merge(session, 1, Integer::sum);
                if (graceValue == null && started.contains(session) && !firstUserJoin.containsKey(session)
                        && maxSessionSeconds.containsKey(session) && j.leaseUntil() != null) {
                    graceValue = Duration.between(j.joinedAt(), j.leaseUntil()).minusSeconds(maxSessionSeconds.get(session));
                }
                firstUserJoin.putIfAbsent(session, j.joinedAt());
            } else if (fact instanceof ParticipantLeft l && l.role() == Role.USER) {
                boolean lastUser = usersIn.merge(session, -1, Integer::sum) <= 0;
                Instant first = firstUserJoin.get(session);
                boolean sessionEnd = graceValue != null && first != null && maxSessionSeconds.containsKey(session)
                        && first.plusSeconds(maxSessionSeconds.get(session)).plus(graceValue).equals(l.leaseUntil());
                if (rejoin == null && lastUser && started.contains(session) && !sessionEnd && l.leaseUntil() != null) {
                    rejoin = Duration.between(l.at(), l.leaseUntil());
                }
            }
        }
        LeaseSettings defaults = LeaseSettings.DEFAULTS;
        return new LeaseSettings(start != null ? start : defaults.startLease(),
                graceValue != null && !graceValue.isNegative() ? graceValue : defaults.grace(),
                defaults.punctuateInterval(), maxRetryAfter, defaults.tombstoneRetention(),
                join != null && !join.isNegative() && !join.isZero() ? join : defaults.joinTimeout(),
                rejoin != null && !rejoin.isNegative() && !rejoin.isZero() ? rejoin : defaults.rejoinTimeout());
    }

    private static String json(Divergence d) {
        ObjectNode node = Json.MAPPER.createObjectNode();
        node.put("kind", d.kind().name());
        node.put("session_id", d.sessionId());
        if (d.recorded() != null) {
            node.put("partition", d.recorded().partition());
            node.put("offset", d.recorded().offset());
            node.set("recorded", Json.MAPPER.valueToTree(d.recorded().value()));
        }
        if (d.replayed() != null) {
            node.set("replayed", Json.MAPPER.valueToTree(d.replayed()));
        }
        node.put("cause", d.cause());
        node.put("detail", d.detail());
        return Json.MAPPER.writeValueAsString(node);
    }
}
