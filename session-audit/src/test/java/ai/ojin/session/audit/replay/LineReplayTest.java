package ai.ojin.session.audit.replay;

import static org.assertj.core.api.Assertions.assertThat;

import ai.ojin.session.audit.log.Logged;
import ai.ojin.session.events.SessionIds;
import ai.ojin.session.events.agent.Agent;
import ai.ojin.session.events.agent.AgentStatus;
import ai.ojin.session.events.command.EndReason;
import ai.ojin.session.events.command.Heartbeat;
import ai.ojin.session.events.command.IdempotencyKeys;
import ai.ojin.session.events.command.LinePosition;
import ai.ojin.session.events.command.MarkStarted;
import ai.ojin.session.events.command.ReleaseSession;
import ai.ojin.session.events.command.RequestSession;
import ai.ojin.session.events.command.SessionCommand;
import ai.ojin.session.events.fact.SessionDequeued;
import ai.ojin.session.events.fact.SessionEvent;
import ai.ojin.session.events.fact.SessionRepeated;
import ai.ojin.session.processor.topology.LeaseSettings;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/**
 * The replay of a run with the agent's line and repeated keys. The recorded run is the processor's
 * own topology driven as the service runs it (punctuation every second of wall clock, each command
 * read when written), so the log is what the service writes; the replay must find every decision
 * again from the commands alone.
 */
class LineReplayTest {

    private static final String AGENT = "acme";
    private static final Instant T0 = Instant.parse("2026-03-02T10:00:00Z");
    private static final Duration PUNCTUATION = Duration.ofSeconds(1);

    private final Map<Long, List<SessionCommand>> sent = new TreeMap<>();

    @Test
    void shouldReplayALogWithWaitersTimeOutsDeparturesAndRepeatsWithoutADivergence() {
        // given: an agent allowing one session, a holder, three waiters (one leaves, one times out, one
        // is admitted in its turn and repeated with its key), line queries and a heartbeat
        String holder = id();
        String leaves = id();
        String timesOut = id();
        String admitted = id();
        String repeat = id();
        String lateRepeat = id();
        String plain = id();
        send(0, request(holder, 0, "k-holder"));
        send(1_000, new MarkStarted(holder, AGENT, holder, "https://x.daily.co/" + holder, t(1_000)));
        send(2_000, request(leaves, 30, null));
        send(3_000, request(timesOut, 5, null));
        send(4_000, request(admitted, 30, "k-admitted"));
        send(5_000, request(repeat, 30, "k-admitted"));
        send(5_500, new LinePosition("q-1", AGENT, t(5_500), IdempotencyKeys.keyHash("k-admitted"), 0));
        send(6_000, new ReleaseSession(leaves, AGENT, EndReason.ABANDONED, t(6_000)));
        send(6_500, new Heartbeat(Heartbeat.ID_PREFIX + "1", "~heartbeat", t(6_500), 0));
        send(9_000, new ReleaseSession(holder, AGENT, EndReason.END_CALL, t(9_000)));
        send(10_000, new MarkStarted(admitted, AGENT, admitted, "https://x.daily.co/" + admitted, t(10_000)));
        send(11_000, request(lateRepeat, 0, "k-holder"));
        send(12_000, request(plain, 0, null));
        send(14_000, new ReleaseSession(admitted, AGENT, EndReason.END_CALL, t(14_000)));
        List<Logged<SessionCommand>> commands = new ArrayList<>();
        List<Logged<SessionEvent>> facts = new ArrayList<>();
        record(commands, facts);

        // when
        Replayer.Result result = new Replayer(LeaseSettings.DEFAULTS, PUNCTUATION).run(agents(), commands, facts);

        // then: the log has every kind of line fact, and the replay finds each again
        assertThat(facts).extracting(f -> f.value().typeName()).contains("queued", "dequeued", "repeated");
        assertThat(facts).map(Logged::value).filteredOn(SessionDequeued.class::isInstance)
                .map(f -> ((SessionDequeued) f).outcome()).containsExactly(SessionDequeued.Outcome.GONE,
                        SessionDequeued.Outcome.TIMED_OUT, SessionDequeued.Outcome.ADMITTED);
        assertThat(facts).map(Logged::value).filteredOn(SessionRepeated.class::isInstance).singleElement()
                .satisfies(f -> assertThat(((SessionRepeated) f).correlationId()).isEqualTo(repeat));
        assertThat(result.divergences()).isEmpty();
        assertThat(result.factsCompared()).isEqualTo(facts.size());
        assertThat(result.notes()).contains("1 line-position query(ies) left out of the replay (they change nothing and "
                + "write no fact)");
    }

    @Test
    void shouldReportADivergenceWhenTheLineWasServedOutOfOrder() {
        // given: two waiters, and a recorded log in which the second was admitted first
        String holder = id();
        String first = id();
        String second = id();
        send(0, request(holder, 0, null));
        send(1_000, request(first, 30, null));
        send(2_000, request(second, 30, null));
        send(3_000, new ReleaseSession(holder, AGENT, EndReason.END_CALL, t(3_000)));
        List<Logged<SessionCommand>> commands = new ArrayList<>();
        List<Logged<SessionEvent>> facts = new ArrayList<>();
        record(commands, facts);
        List<Logged<SessionEvent>> swapped = facts.stream().map(f -> {
            SessionEvent v = f.value();
            String other = v.sessionId().equals(first) ? second : v.sessionId().equals(second) ? first : null;
            boolean decision = v.typeName().equals("dequeued") || v.typeName().equals("admitted");
            return other != null && decision && !v.at().isBefore(t(3_000)) ? new Logged<>(f.partition(), f.offset(),
                    f.timestamp(), f.key(), renamed(v, other), null) : f;
        }).toList();

        // when
        Replayer.Result result = new Replayer(LeaseSettings.DEFAULTS, PUNCTUATION).run(agents(), commands, swapped);

        // then
        assertThat(result.divergences()).isNotEmpty();
    }

    /** Runs the commands through the topology as the service does and logs commands and facts. */
    private void record(List<Logged<SessionCommand>> commands, List<Logged<SessionEvent>> facts) {
        try (OfflineProcessor processor = new OfflineProcessor(LeaseSettings.DEFAULTS, T0.minusSeconds(1))) {
            processor.agent(AGENT, agent(), T0.minusSeconds(3600));
            long last = sent.keySet().stream().mapToLong(Long::longValue).max().orElse(0) + 20_000;
            for (long ms = 0; ms <= last; ms += 500) {
                if (ms % 1_000 == 0) {
                    log(facts, processor.advanceTo(t(ms)));
                } else {
                    processor.advanceTo(t(ms)); // the clock moves between punctuations too
                }
                for (SessionCommand command : sent.getOrDefault(ms, List.of())) {
                    String key = command instanceof Heartbeat ? "~heartbeat" : AGENT;
                    commands.add(new Logged<>(0, commands.size(), t(ms), key, command, null));
                    log(facts, processor.command(key, command, t(ms)));
                }
            }
        }
    }

    private static void log(List<Logged<SessionEvent>> facts, List<SessionEvent> written) {
        for (SessionEvent fact : written) {
            facts.add(new Logged<>(0, facts.size(), fact.at(), AGENT, fact, null));
        }
    }

    private static SessionEvent renamed(SessionEvent fact, String sessionId) {
        var node = ai.ojin.session.events.json.Json.MAPPER.valueToTree(fact);
        ((tools.jackson.databind.node.ObjectNode) node).put("session_id", sessionId);
        return ai.ojin.session.events.json.Json.MAPPER.treeToValue(node, SessionEvent.class);
    }

    private void send(long ms, SessionCommand command) {
        sent.computeIfAbsent(ms, k -> new ArrayList<>()).add(command);
    }

    /** A request without a deadline (the processor then never calls it late), waiting and keyed as asked. */
    private static RequestSession request(String id, int waitSeconds, String key) {
        return new RequestSession(id, AGENT, null, null, 0, null, null, "api-1", waitSeconds == 0 ? null : waitSeconds,
                key == null ? null : IdempotencyKeys.keyHash(key),
                key == null ? null : IdempotencyKeys.requestHash(AGENT, null), key == null ? null : t(600_000));
    }

    private static List<Logged<Agent>> agents() {
        return List.of(new Logged<>(0, 0, T0.minusSeconds(3600), AGENT, agent(), null));
    }

    private static Agent agent() {
        return new Agent(AGENT, AgentStatus.PUBLISHED, List.of("*"), 1, 600, T0.minusSeconds(3600));
    }

    private static String id() {
        return SessionIds.newSessionId(AGENT);
    }

    private static Instant t(long ms) {
        return T0.plusMillis(ms);
    }
}
