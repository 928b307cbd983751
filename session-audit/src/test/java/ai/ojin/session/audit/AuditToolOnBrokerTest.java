package ai.ojin.session.audit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import ai.ojin.session.events.SessionIds;
import ai.ojin.session.events.command.EndReason;
import ai.ojin.session.events.fact.SessionAdmitted;
import ai.ojin.session.events.fact.SessionDequeued;
import ai.ojin.session.events.fact.SessionEnded;
import ai.ojin.session.events.fact.SessionEvent;
import ai.ojin.session.events.fact.SessionQueued;
import ai.ojin.session.events.fact.SessionRejected;
import ai.ojin.session.events.fact.SessionRepeated;
import ai.ojin.session.events.fact.SessionRequested;
import ai.ojin.session.events.fact.SessionStarted;
import ai.ojin.session.events.reply.ErrorCode;
import ai.ojin.session.events.json.Json;
import ai.ojin.session.history.CallHistorySinkApplication;
import ai.ojin.session.testkit.TestKafka;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.datasource.DriverManagerDataSource;
import picocli.CommandLine;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * The tool against a real broker, on the log of a real processor run ({@link ScriptedRun}). Tests
 * that change the log work on a copy of its topics.
 */
class AuditToolOnBrokerTest {

    @TempDir
    static Path state;

    private static ScriptedRun run;

    @BeforeAll
    static void recordAScriptedRun() {
        run = new ScriptedRun(state).run();
    }

    @AfterAll
    static void stop() {
        if (run != null) {
            run.close();
        }
    }

    @Test
    void shouldShowTheExactSequenceOfTheScriptedRun() {
        // when
        Result json = audit(run.prefix, "timeline", "--agent", ScriptedRun.AGENT, "--json");
        Result table = audit(run.prefix, "timeline", "--session", run.expired);
        Result byUser = audit(run.prefix, "timeline", "--client-user-ref", ScriptedRun.USER, "--json");

        // then: every fact in order, each with its real partition and offset
        assertThat(json.exit()).as(json.err()).isZero();
        List<JsonNode> lines = json.lines().stream().map(Json.MAPPER::readTree).toList();
        assertThat(lines).extracting(l -> l.get("fact").get("type").asString() + " " + l.get("fact").get("session_id").asString())
                .containsExactly(
                        "requested " + run.completed, "admitted " + run.completed,
                        "requested " + run.rejected, "rejected " + run.rejected,
                        "started " + run.completed, "ended " + run.completed,
                        "requested " + run.expired, "admitted " + run.expired, "ended " + run.expired,
                        "requested " + run.failed, "admitted " + run.failed, "failed " + run.failed);
        List<TopicTail.Raw> recorded = run.facts.poll();
        assertThat(lines).extracting(l -> l.get("partition").asInt() + "@" + l.get("offset").asLong())
                .containsExactlyElementsOf(recorded.stream().map(r -> r.partition() + "@" + r.offset()).toList());
        assertThat(lines.get(3).get("fact").get("error_code").asString()).isEqualTo("concurrency_limit");
        assertThat(lines.get(8).get("fact").get("reason").asString()).isEqualTo("lease_expired");

        assertThat(table.exit()).isZero();
        assertThat(table.lines()).hasSize(4); // header + requested, admitted, ended
        assertThat(table.lines().get(3)).contains("ended", run.expired, "reason=lease_expired")
                .containsPattern("\\s" + recorded.get(8).partition() + "\\s+" + recorded.get(8).offset() + "\\s");
        assertThat(byUser.lines()).hasSize(4).allSatisfy(line -> assertThat(line).contains(run.completed));
    }

    @Test
    void shouldFindNoViolationInTheScriptedRun() {
        // when
        Result check = audit(run.prefix, "check");

        // then
        assertThat(check.exit()).as(check.out() + check.err()).isZero();
        assertThat(check.out()).contains("OK: no violations");
        assertThat(check.err()).contains("12 fact(s) checked, 3 admission(s), 0 violation(s)");
    }

    @Test
    void shouldNameTheOffsetOfAForgedAdmissionAboveTheLimit() throws Exception {
        // given: a copy of the log plus an admission of a second session while the limit (1) is taken
        String prefix = ScriptedRun.copy(run, bytes -> bytes);
        String forgedSession = ai.ojin.session.events.SessionIds.newSessionId(ScriptedRun.AGENT);
        String hogSession = ai.ojin.session.events.SessionIds.newSessionId(ScriptedRun.AGENT);
        Instant now = Instant.now();
        ScriptedRun.append(prefix + "session-events", ScriptedRun.AGENT, fact(new SessionAdmitted(hogSession,
                ScriptedRun.AGENT, now, null, 0, 1, 1, 600, now.plusSeconds(30), now.plusSeconds(10))));
        RecordMetadata forged = ScriptedRun.append(prefix + "session-events", ScriptedRun.AGENT, fact(new SessionAdmitted(
                forgedSession, ScriptedRun.AGENT, now, null, 0, 1, 2, 600, now.plusSeconds(30), now.plusSeconds(10))));

        // when
        Result check = audit(prefix, "check");
        Result json = audit(prefix, "check", "--json");

        // then
        assertThat(check.exit()).as(check.err()).isEqualTo(AuditCli.FINDINGS);
        assertThat(check.out()).contains("ADMITTED_ABOVE_LIMIT").contains(forgedSession);
        assertThat(json.lines()).extracting(Json.MAPPER::readTree)
                .filteredOn(v -> v.get("kind").asString().equals("ADMITTED_ABOVE_LIMIT"))
                .singleElement().satisfies(v -> {
                    assertThat(v.get("partition").asInt()).isEqualTo(forged.partition());
                    assertThat(v.get("offset").asLong()).isEqualTo(forged.offset());
                    assertThat(v.get("session_id").asString()).isEqualTo(forgedSession);
                });
    }

    @Test
    void shouldReplayTheRecordedRunWithoutADivergence() {
        // when
        Result replay = audit(run.prefix, "replay", "--punctuate-interval", "200ms");

        // then: every decision (admit, reject with its retry-after, start, end, expiry, failure) follows
        assertThat(replay.exit()).as(replay.out() + replay.err()).isZero();
        assertThat(replay.out()).contains("OK: every replayed decision equals the recorded fact");
        assertThat(replay.err()).contains("start lease " + ScriptedRun.START_LEASE).contains("7 command(s) replayed, 0 skipped")
                .contains("12 recorded fact(s) compared; 0 divergence(s)");
    }

    @Test
    void shouldReportADivergenceWhenARecordedFactIsAltered() {
        // given: a copy of the log whose rejected fact claims another retry-after
        String prefix = ScriptedRun.copy(run, bytes -> {
            ObjectNode fact = (ObjectNode) Json.MAPPER.readTree(bytes);
            if (fact.get("type").asString().equals("rejected")) {
                fact.put("retry_after_seconds", fact.get("retry_after_seconds").asInt() + 5);
            }
            return Json.MAPPER.writeValueAsBytes(fact);
        });

        // when
        Result replay = audit(prefix, "replay", "--punctuate-interval", "200ms", "--json");

        // then
        assertThat(replay.exit()).as(replay.err()).isEqualTo(AuditCli.FINDINGS);
        assertThat(replay.lines()).extracting(Json.MAPPER::readTree).singleElement().satisfies(d -> {
            assertThat(d.get("kind").asString()).isEqualTo("DIFFERENT");
            assertThat(d.get("session_id").asString()).isEqualTo(run.rejected);
            assertThat(d.get("detail").asString()).startsWith("retry_after_seconds recorded ");
            assertThat(d.get("cause").asString()).contains("request");
        });
    }

    @Test
    void shouldRebuildTheSameRowsAsTheSink() {
        // given: the call-history sink folded the run into its store
        String sinkDb = "jdbc:h2:mem:" + TestKafka.uniqueId("sink") + ";DB_CLOSE_DELAY=-1";
        String rebuiltDb = "jdbc:h2:mem:" + TestKafka.uniqueId("rebuilt") + ";DB_CLOSE_DELAY=-1";
        ConfigurableApplicationContext sink = CallHistorySinkApplication.builder().run(
                "--server.port=0",
                "--KAFKA_BOOTSTRAP_SERVERS=" + TestKafka.bootstrapServers(),
                "--ADMIN_TOKEN=test-admin-token-0123456789",
                "--CALL_HISTORY_DB_URL=" + sinkDb,
                "--session.topics.prefix=" + run.prefix,
                "--history.group-id=" + TestKafka.uniqueId("history"));
        try {
            await("the sink's store").atMost(Duration.ofSeconds(30))
                    .until(() -> rows(sinkDb).stream().filter(r -> r.get("outcome") != null).count() == 4);

            // when
            Result rebuild = audit(run.prefix, "rebuild-history", "--db-url", rebuiltDb);
            Result again = audit(run.prefix, "rebuild-history", "--db-url", rebuiltDb);

            // then
            assertThat(rebuild.exit()).as(rebuild.err()).isZero();
            assertThat(rebuild.out()).contains("rebuilt 4 call record(s) from 12 fact(s)");
            assertThat(rows(rebuiltDb)).isEqualTo(rows(sinkDb));
            assertThat(rows(rebuiltDb)).extracting(r -> r.get("outcome"))
                    .containsExactlyInAnyOrder("completed", "rejected", "expired", "failed");
            assertThat(again.exit()).isEqualTo(AuditCli.CANNOT_READ);
            assertThat(again.err()).contains("is not empty");
        } finally {
            sink.close();
        }
    }

    @Test
    void shouldSummariseAndExportTheRun() {
        // when
        Result stats = audit(run.prefix, "stats", "--json");
        Result calls = audit(run.prefix, "export", "--from", "2020-01-01", "--to", "2100-01-01", "--what", "calls",
                "--format", "csv");
        Result facts = audit(run.prefix, "export", "--from", "2020-01-01", "--to", "2100-01-01");

        // then
        assertThat(stats.exit()).as(stats.err()).isZero();
        JsonNode s = Json.MAPPER.readTree(stats.out());
        assertThat(s.get("requests").asInt()).isEqualTo(4);
        assertThat(s.get("admissions").asInt()).isEqualTo(3);
        assertThat(s.get("rejections").get("concurrency_limit").asInt()).isEqualTo(1);
        assertThat(s.get("failures").get("room_creation_failed").asInt()).isEqualTo(1);
        assertThat(s.get("no_shows").asInt()).isEqualTo(1);
        assertThat(s.get("setup_ms").get("count").asInt()).isEqualTo(1);
        assertThat(s.get("session_length_ms").get("count").asInt()).isEqualTo(1);
        assertThat(s.get("peak_concurrency").get(ScriptedRun.AGENT).asInt()).isEqualTo(1);

        assertThat(calls.exit()).isZero();
        assertThat(calls.lines()).hasSize(5);
        assertThat(calls.lines().get(0)).startsWith("session_id,agent_id,client_user_ref,origin,outcome");
        assertThat(String.join("\n", calls.lines())).contains(run.completed + "," + ScriptedRun.AGENT + ","
                + ScriptedRun.USER + ",https://shop.example.com,completed");
        assertThat(facts.lines()).hasSize(12);
    }

    @Test
    void shouldShowCheckCountAndExportTheFactsOfAWaitingLineAndARepeatedConnect() throws Exception {
        // given: a copy of the log plus the facts of an agent (limit 1) with a line: w1 waits and is admitted when
        // plain ends, w2's wait runs out, w3's caller goes away; plain's connect is repeated once while it is up
        String prefix = ScriptedRun.copy(run, bytes -> bytes);
        String agent = "line-" + TestKafka.uniqueId("agent");
        String plain = SessionIds.newSessionId(agent);
        String w1 = SessionIds.newSessionId(agent);
        String w2 = SessionIds.newSessionId(agent);
        String w3 = SessionIds.newSessionId(agent);
        String repeat = SessionIds.newSessionId(agent);
        Instant t = Instant.parse("2026-11-28T12:00:00Z");
        List<SessionEvent> line = List.of(
                new SessionRequested(plain, agent, t, null, null, t),
                new SessionAdmitted(plain, agent, t, null, 0, 1, 1, 600, t.plusSeconds(30), t.plusSeconds(10)),
                new SessionStarted(plain, agent, t.plusSeconds(1), plain, "https://x.daily.co/" + plain, t.plusSeconds(60)),
                new SessionRequested(w1, agent, t.plusSeconds(2), null, null, t.plusSeconds(2)),
                new SessionQueued(w1, agent, t.plusSeconds(2), 1, t.plusSeconds(32), 1, 1),
                new SessionRequested(w2, agent, t.plusSeconds(3), null, null, t.plusSeconds(3)),
                new SessionQueued(w2, agent, t.plusSeconds(3), 2, t.plusSeconds(8), 1, 1),
                new SessionRepeated(plain, agent, t.plusSeconds(4), repeat, 0, "api-1", t.plusSeconds(14), plain,
                        "https://x.daily.co/" + plain, 600),
                new SessionRequested(w3, agent, t.plusSeconds(5), null, null, t.plusSeconds(5)),
                new SessionQueued(w3, agent, t.plusSeconds(5), 3, t.plusSeconds(35), 1, 1),
                new SessionDequeued(w3, agent, t.plusSeconds(6), SessionDequeued.Outcome.GONE, t.plusSeconds(5)),
                new SessionDequeued(w2, agent, t.plusSeconds(8), SessionDequeued.Outcome.TIMED_OUT, t.plusSeconds(3)),
                new SessionRejected(w2, agent, t.plusSeconds(8), ErrorCode.CONCURRENCY_LIMIT, 5, 1, 1),
                new SessionEnded(plain, agent, t.plusSeconds(12), EndReason.END_CALL, 0),
                new SessionDequeued(w1, agent, t.plusSeconds(12), SessionDequeued.Outcome.ADMITTED, t.plusSeconds(2)),
                new SessionAdmitted(w1, agent, t.plusSeconds(12), null, 0, 1, 1, 600, t.plusSeconds(42),
                        t.plusSeconds(42)),
                new SessionStarted(w1, agent, t.plusSeconds(13), w1, "https://x.daily.co/" + w1, t.plusSeconds(73)),
                new SessionEnded(w1, agent, t.plusSeconds(20), EndReason.END_CALL, 0));
        for (SessionEvent fact : line) {
            ScriptedRun.append(prefix + "session-events", agent, fact(fact));
        }

        // when
        Result timeline = audit(prefix, "timeline", "--agent", agent, "--json");
        Result table = audit(prefix, "timeline", "--session", repeat);
        Result check = audit(prefix, "check");
        Result stats = audit(prefix, "stats", "--agent", agent, "--json");
        Result text = audit(prefix, "stats", "--agent", agent);
        Result facts = audit(prefix, "export", "--from", "2026-11-28", "--to", "2026-11-29", "--format", "csv");
        Result calls = audit(prefix, "export", "--from", "2026-11-28", "--to", "2026-11-29", "--what", "calls");

        // then: the timeline shows every fact of the line with its fields; a repeat's own id finds its repeated fact
        assertThat(timeline.exit()).as(timeline.err()).isZero();
        List<JsonNode> shown = timeline.lines().stream().map(Json.MAPPER::readTree).map(l -> l.get("fact")).toList();
        assertThat(shown).extracting(f -> f.get("type").asString()).containsExactlyElementsOf(
                line.stream().map(SessionEvent::typeName).toList());
        assertThat(shown.get(4).get("position").asInt()).isEqualTo(1);
        assertThat(shown.get(7).get("correlation_id").asString()).isEqualTo(repeat);
        assertThat(shown.get(7).get("event_id").asString()).isEqualTo(plain + "/repeated/" + repeat);
        assertThat(shown.get(11).get("outcome").asString()).isEqualTo("timed_out");
        assertThat(table.out()).contains("repeated").contains("correlation_id=" + repeat);
        // and: the line keeps its invariants
        assertThat(check.exit()).as(check.out()).isZero();
        // and: waits in line per agent: 3 queued, one left each way, waits 1 s, 5 s and 10 s
        assertThat(stats.exit()).as(stats.err()).isZero();
        JsonNode waits = Json.MAPPER.readTree(stats.out()).get("line").get(agent);
        assertThat(waits.get("queued").asInt()).isEqualTo(3);
        JsonNode left = waits.get("dequeued");
        assertThat(List.of(left.get("admitted").asInt(), left.get("timed_out").asInt(), left.get("gone").asInt()))
                .containsExactly(1, 1, 1);
        assertThat(waits.get("wait_ms").get("p50").asLong()).isEqualTo(5_000);
        assertThat(waits.get("wait_ms").get("p95").asLong()).isEqualTo(10_000);
        assertThat(text.out()).contains("waits in line per agent").contains(agent);
        // and: the export has the line's columns, and its calls folded
        assertThat(facts.lines().get(0)).contains("position").contains("wait_until").contains("outcome")
                .contains("queued_at").contains("correlation_id");
        assertThat(facts.lines()).filteredOn(l -> l.contains(agent)).hasSize(line.size());
        assertThat(calls.lines()).extracting(Json.MAPPER::readTree).filteredOn(c -> c.get("agent_id").asString().equals(agent))
                .extracting(c -> c.get("session_id").asString() + " " + c.get("outcome").asString())
                .containsExactlyInAnyOrder(plain + " completed", w1 + " completed", w2 + " rejected", w3 + " abandoned");
    }

    @Test
    void shouldExitWithTwoWhenTheClusterCannotBeRead() throws Exception {
        // given: a port nobody listens on
        int port;
        try (ServerSocket socket = new ServerSocket(0)) {
            port = socket.getLocalPort();
        }

        // when
        Result check = execute("check", "--bootstrap-servers", "127.0.0.1:" + port, "--timeout", "2s");
        Result missing = audit("no-such-prefix.", "check");

        // then
        assertThat(check.exit()).isEqualTo(AuditCli.CANNOT_READ);
        assertThat(check.out()).isEmpty();
        assertThat(check.err()).contains("cannot read");
        assertThat(missing.exit()).isEqualTo(AuditCli.CANNOT_READ);
        assertThat(missing.err()).contains("does not exist");
    }

    private static byte[] fact(SessionEvent fact) {
        return Json.MAPPER.writeValueAsBytes(fact);
    }

    /** The store's rows without the bookkeeping columns (publish_pending, updated_at). */
    private static List<Map<String, Object>> rows(String url) {
        JdbcTemplate jdbc = new JdbcTemplate(new DriverManagerDataSource(url));
        try {
            return jdbc.queryForList("SELECT session_id, agent_id, client_user_ref, origin, outcome, error_code, "
                    + "requested_at, started_at, ended_at, end_reason, duration_seconds, room_name, facts, progress "
                    + "FROM call_record ORDER BY session_id").stream()
                    .map(row -> {
                        Map<String, Object> copy = new TreeMap<>();
                        row.forEach((k, v) -> copy.put(k.toLowerCase(), v == null ? null : v.toString()));
                        return copy;
                    }).toList();
        } catch (org.springframework.jdbc.BadSqlGrammarException e) {
            return List.of(); // the sink has not created its schema yet
        }
    }

    private static Result audit(String prefix, String... args) {
        List<String> all = new ArrayList<>(Arrays.asList(args));
        all.addAll(List.of("--bootstrap-servers", TestKafka.bootstrapServers(), "--topic-prefix", prefix,
                "--timeout", "20s"));
        return execute(all.toArray(String[]::new));
    }

    private static Result execute(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cli = AuditCli.commandLine();
        cli.setOut(new PrintWriter(out, true));
        cli.setErr(new PrintWriter(err, true));
        int exit = cli.execute(args);
        return new Result(exit, out.toString(), err.toString());
    }

    record Result(int exit, String out, String err) {
        List<String> lines() {
            return out.isEmpty() ? List.of() : List.of(out.split("\\R"));
        }
    }
}
