package ai.ojin.session.standalone.acceptance;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import ai.ojin.session.events.command.EndReason;
import ai.ojin.session.events.fact.SessionAdmitted;
import ai.ojin.session.events.fact.SessionEnded;
import ai.ojin.session.events.fact.SessionEvent;
import ai.ojin.session.events.fact.SessionFailed;
import ai.ojin.session.events.fact.SessionRejected;
import ai.ojin.session.events.fact.SessionRequested;
import ai.ojin.session.events.fact.SessionStarted;
import ai.ojin.session.events.json.Json;
import ai.ojin.session.events.topic.SessionTopics;
import ai.ojin.session.testkit.DailyWebhooks;
import ai.ojin.session.testkit.FakeDaily;
import ai.ojin.session.testkit.HttpCalls;
import ai.ojin.session.testkit.FakeOrchestrator;
import ai.ojin.session.testkit.Fault;
import ai.ojin.session.testkit.FreePorts;
import ai.ojin.session.testkit.JavaProcess;
import ai.ojin.session.testkit.TestKafka;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.stream.Collectors;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/**
 * The shipped artifacts, used as a user uses them: {@code java -jar standalone/target/standalone.jar}
 * with the fakes of Daily and the orchestrator over HTTP and the warm pool on, driven through a
 * realistic run (connects and rejections for several agents, a user who joins, leaves and comes
 * back, an end call, a meeting that Daily ends, a no-show, a hanging orchestrator, a SIGKILL in the
 * middle of a burst and a restart), with connect-api's heartbeats running all along; then
 * {@code java -jar session-audit/target/session-audit.jar} on that log: {@code check} and
 * {@code replay} exit 0, and {@code timeline}, {@code stats} and {@code export} give the figures
 * of the run, counted here from the log itself.
 *
 * <p>Settings changed from the defaults a user gets: the ports (free ones), {@code ROOM_POOL_SIZE=5}
 * (the pool is off by default), {@code PROCESSOR_LEASE_JOINTIMEOUT=15s} (60 s by default: the
 * no-show would take a minute; the users of this run join well within 15 s),
 * {@code PROCESSOR_LEASE_STARTLEASE=10s} (30 s by default: the outage must outlast it; the set-ups of
 * this run, with the pool, take well under a second), the fakes' URLs and secrets. The JVMs run
 * with the test JVMs' flags ({@code JavaProcess}: C1 only, serial GC), for the CPU of the test
 * machine; no application setting.
 */
@Tag("acceptance")
class ShippedJarsAcceptanceTest {

    private static final Path STANDALONE = Path.of(System.getProperty("standalone.jar", "target/standalone.jar"));
    private static final Path AUDIT = Path.of(System.getProperty("audit.jar", "../session-audit/target/session-audit.jar"));
    private static final String ADMIN = "acceptance-admin-token";
    private static final String SITE = "https://shop.example.com";
    private static final Duration WAIT = Duration.ofSeconds(90);
    /**
     * How long a start of the packaged jar may take: ~18 s on a quiet 2-core machine, but this test
     * runs beside the other fault tests' JVMs, and one start took 89 s there (a broker and four
     * services on what CPU is left). Not a timing assertion: the start is awaited, then tested.
     */
    private static final Duration START_WAIT = Duration.ofMinutes(3);
    private static final SessionTopics TOPICS = SessionTopics.DEFAULT;

    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    private int connectPort;
    private int workerPort;
    private String webhookSecret;

    @Test
    void shouldRunARealLogThatTheShippedAuditToolChecksAndReplaysClean() throws Exception {
        assertThat(STANDALONE).as("the packaged standalone jar").exists();
        assertThat(AUDIT).as("the packaged audit jar").exists();
        try (FakeDaily daily = new FakeDaily(); FakeOrchestrator orchestrator = new FakeOrchestrator()) {
            // given: the standalone jar on a data directory of its own
            Path dataDir = Files.createTempDirectory("acceptance");
            int kafkaPort = FreePorts.outsideEphemeralRange();
            connectPort = FreePorts.outsideEphemeralRange();
            workerPort = FreePorts.outsideEphemeralRange();
            byte[] secret = new byte[32];
            new SecureRandom().nextBytes(secret);
            webhookSecret = Base64.getEncoder().encodeToString(secret);
            Map<String, String> env = new HashMap<>(Map.ofEntries(
                    Map.entry("DATA_DIR", dataDir.toString()),
                    Map.entry("KAFKA_PORT", String.valueOf(kafkaPort)),
                    Map.entry("CONNECT_API_PORT", String.valueOf(connectPort)),
                    Map.entry("ROOM_WORKER_PORT", String.valueOf(workerPort)),
                    Map.entry("CALL_HISTORY_PORT", String.valueOf(FreePorts.outsideEphemeralRange())),
                    Map.entry("WIDGET_PORT", "0"),
                    Map.entry("ADMIN_TOKEN", ADMIN),
                    Map.entry("DAILY_API_URL", daily.baseUrl()),
                    Map.entry("DAILY_API_KEY", daily.apiKey()),
                    Map.entry("DAILY_WEBHOOK_HMAC", webhookSecret),
                    Map.entry("ORCHESTRATOR_URL", orchestrator.baseUrl()),
                    Map.entry("ORCHESTRATOR_TOKEN", orchestrator.token()),
                    Map.entry("ROOM_POOL_SIZE", "5"),
                    Map.entry("PROCESSOR_LEASE_JOINTIMEOUT", "15s"),
                    Map.entry("PROCESSOR_LEASE_STARTLEASE", "10s")));
            Path log = Path.of("target", "acceptance-standalone.log");
            Files.deleteIfExists(log);
            String bootstrap = "127.0.0.1:" + kafkaPort;
            Instant runStart = Instant.now();
            List<CompletableFuture<HttpResponse<String>>> burst = new ArrayList<>();

            JavaProcess first = JavaProcess.startJar(STANDALONE, List.of(), env, log);
            try {
                awaitReady(first);
                putAgent("acc-a", "published", "\"shop.example.com\"", 2);
                putAgent("acc-b", "published", "\"shop.example.com\"", 1);
                putAgent("acc-c", "unpublished", "\"shop.example.com\"", 1);
                putAgent("acc-hang", "published", "\"shop.example.com\"", 2);
                putAgent("acc-burst", "published", "\"*\"", 5);

                // when: connects and rejections for several agents
                JsonNode a1 = ok(connect("acc-a", "user-1", SITE));
                JsonNode a2 = ok(connect("acc-a", "user-2", SITE));
                assertError(connect("acc-a", "user-3", SITE), 429, "concurrency_limit");
                JsonNode b1 = ok(connect("acc-b", "user-4", SITE));
                assertError(connect("acc-b", "user-5", SITE), 429, "concurrency_limit");
                assertError(connect("acc-c", "user-6", SITE), 403, "agent_unpublished");
                assertError(connect("acc-a", "user-7", "https://evil.example.net"), 403, "auth_failed");
                assertError(connect("acc-nobody", "user-8", SITE), 404, "agent_not_found");

                // and: the users of a1 and b1 join as soon as they have their rooms (the join lease is 15 s here,
                // and reading the log is slow on a busy machine: nothing is read before they have joined)
                DailyWebhooks webhooks = new DailyWebhooks("http://127.0.0.1:" + workerPort + "/v1/webhooks/daily", webhookSecret);
                String user1 = userOf(daily, a1);
                // (Daily reports whole seconds: a1's user leaves after a second and comes back)
                Instant joined = Instant.now();
                webhooks.send(DailyWebhooks.participantJoined(DailyWebhooks.newEventId(), roomOf(a1), user1, "p-1", joined));
                webhooks.send(DailyWebhooks.participantJoined(DailyWebhooks.newEventId(), roomOf(a1), "b-" + user1.substring(2), "bot-1",
                        joined));
                Instant b1Joined = Instant.now();
                webhooks.send(DailyWebhooks.participantJoined(DailyWebhooks.newEventId(), roomOf(b1), userOf(daily, b1),
                        "p-3", b1Joined));
                webhooks.send(DailyWebhooks.participantLeft(DailyWebhooks.newEventId(), roomOf(a1), user1, "p-1", joined, 1));
                webhooks.send(DailyWebhooks.participantJoined(DailyWebhooks.newEventId(), roomOf(a1), user1, "p-2", Instant.now()));

                // and: a1's session is ended by an end call
                String s1 = a1.get("session_id").asString();
                awaitFactCount(bootstrap, s1, "joined", 3);
                assertThat(endSession(s1).statusCode()).isEqualTo(204);

                // and: Daily ends the meeting of b1 after its user joined
                String s3 = b1.get("session_id").asString();
                awaitFactCount(bootstrap, s3, "joined", 1);
                webhooks.send(DailyWebhooks.meetingEnded(DailyWebhooks.newEventId(), roomOf(b1), b1Joined));

                // and: nobody joins a2 (a no-show once the join lease runs out)
                String s2 = a2.get("session_id").asString();

                // and: the orchestrator hangs on a start
                orchestrator.failNext("POST", "/v1/sessions", 5, Fault.hang(Duration.ofSeconds(20)));
                assertError(connect("acc-hang", "user-9", SITE), 502, "orchestrator_error");
                orchestrator.resetKnobs();

                assertThat(endReason(bootstrap, s1)).isEqualTo(EndReason.END_CALL);
                await().atMost(WAIT).until(() -> endReason(bootstrap, s3) == EndReason.MEETING_ENDED);
                await().atMost(WAIT).until(() -> endReason(bootstrap, s2) == EndReason.NO_SHOW);

                // and: a burst, during which the whole JVM is killed (SIGKILL)
                ExecutorService callers = Executors.newFixedThreadPool(20);
                try {
                    for (int i = 0; i < 20; i++) {
                        String ref = "burst-" + i;
                        burst.add(CompletableFuture.supplyAsync(() -> connectQuietly("acc-burst", ref), callers));
                    }
                    // (once two callers have their session: the rest of the burst is still in flight)
                    await().atMost(WAIT).until(() -> burst.stream().filter(CompletableFuture::isDone).map(CompletableFuture::join)
                            .filter(r -> r != null && r.statusCode() == 200).count() >= 2);
                    first.kill();
                } finally {
                    callers.shutdownNow();
                }
            } finally {
                first.close();
            }
            // and: it stays down longer than the start lease (10 s here): the restart begins 12 s after the kill
            Instant killedAt = Instant.now();
            await().pollDelay(Duration.ofSeconds(12)).atMost(Duration.ofSeconds(13)).until(() -> true);

            // and: it is started again on the same data directory, and serves again
            try (JavaProcess second = JavaProcess.startJar(STANDALONE, List.of(), env, log)) {
                awaitReady(second);
                System.out.printf("ACCEPTANCE down for %d ms before the restart was ready%n",
                        Duration.between(killedAt, Instant.now()).toMillis());
                List<Integer> afterRestart = new ArrayList<>();
                for (int i = 0; i < 8; i++) {
                    afterRestart.add(connect("acc-burst", "again-" + i, SITE).statusCode());
                }
                assertThat(afterRestart).allSatisfy(status -> assertThat(status).isIn(200, 429)).contains(429);
                // every burst caller who got a session kept it: started, and not ended by its start lease
                List<String> answered = burst.stream().map(CompletableFuture::join).filter(r -> r != null && r.statusCode() == 200)
                        .map(r -> Json.MAPPER.readTree(r.body()).get("session_id").asString()).toList();
                assertThat(answered).isNotEmpty();
                // (the connects above went through the same partition, after the backlog of the outage)
                List<SessionEvent> afterOutage = facts(bootstrap);
                for (String session : answered) {
                    assertThat(afterOutage).as(session).anyMatch(f -> f instanceof SessionStarted && f.sessionId().equals(session));
                    assertThat(afterOutage).as(session).noneMatch(f -> f instanceof SessionEnded e
                            && e.sessionId().equals(session) && e.reason() == EndReason.LEASE_EXPIRED);
                }

                // and: every session is over (nobody joins the burst's rooms: no-shows after 15 s), so the
                // log holds still while the audit tool reads it
                await().atMost(WAIT).until(() -> everySessionIsOver(facts(bootstrap)));

                // then: the shipped audit tool's five commands, side by side (each a JVM of its own, on the log that
                // holds still): check and replay (cluster options before and after the command), stats, timeline, export
                String servers = "--bootstrap-servers=" + bootstrap;
                String s1 = s1Of(facts(bootstrap), "user-1");
                Instant exportTo = Instant.now().plusSeconds(60);
                ExecutorService tools = Executors.newFixedThreadPool(5);
                try {
                    CompletableFuture<JavaProcess.Result> checked = run(tools, servers, "check");
                    CompletableFuture<JavaProcess.Result> replayed = run(tools, "replay", servers);
                    CompletableFuture<JavaProcess.Result> counted = run(tools, servers, "stats", "--json");
                    CompletableFuture<JavaProcess.Result> told = run(tools, servers, "timeline", "--session", s1);
                    CompletableFuture<JavaProcess.Result> exported = run(tools, servers, "export",
                            "--from", runStart.minusSeconds(60).toString(), "--to", exportTo.toString());

                    // the log is clean
                    JavaProcess.Result check = checked.join();
                    assertThat(check.exitCode()).as(check.out() + check.err()).isZero();
                    assertThat(check.out()).contains("OK: no violations");

                    // and: every decision replays to the same facts
                    JavaProcess.Result replay = replayed.join();
                    assertThat(replay.exitCode()).as(replay.out() + replay.err()).isZero();
                    assertThat(replay.out()).contains("OK: every replayed decision equals the recorded fact");

                    // and: its figures are those of the log
                    List<SessionEvent> facts = facts(bootstrap);
                    JavaProcess.Result statsRun = counted.join();
                    assertThat(statsRun.exitCode()).as(statsRun.out() + statsRun.err()).isZero();
                    JsonNode stats = Json.MAPPER.readTree(statsRun.out());
                    assertThat(stats.get("requests").asLong()).isEqualTo(count(facts, SessionRequested.class));
                    assertThat(stats.get("admissions").asLong()).isEqualTo(count(facts, SessionAdmitted.class));
                    assertThat(stats.get("started").asLong()).isEqualTo(count(facts, SessionStarted.class));
                    assertThat(sum(stats.get("rejections"))).isEqualTo(count(facts, SessionRejected.class));
                    Map<String, Long> endReasons = facts.stream().filter(f -> f instanceof SessionEnded)
                            .collect(Collectors.groupingBy(f -> ((SessionEnded) f).reason().wire(), Collectors.counting()));
                    assertThat(endReasons).containsEntry(EndReason.END_CALL.wire(), 1L)
                            .containsEntry(EndReason.MEETING_ENDED.wire(), 1L).containsKey(EndReason.NO_SHOW.wire());
                    endReasons.forEach((reason, n) -> assertThat(stats.get("ended").get(reason).asLong()).as(reason).isEqualTo(n));

                    JavaProcess.Result timeline = told.join();
                    assertThat(timeline.exitCode()).isZero();
                    assertThat(timeline.out().lines().filter(line -> line.contains(" joined "))).hasSize(3);
                    assertThat(timeline.out()).contains(" requested ", " admitted ", " started ", " left ", " ended ");

                    JavaProcess.Result export = exported.join();
                    assertThat(export.exitCode()).isZero();
                    assertThat(export.out().lines()).hasSize(facts.size());
                } finally {
                    tools.shutdownNow();
                }
            }
        }
    }

    private static boolean everySessionIsOver(List<SessionEvent> facts) {
        Set<String> admitted = facts.stream().filter(SessionAdmitted.class::isInstance).map(SessionEvent::sessionId)
                .collect(Collectors.toSet());
        Set<String> over = facts.stream().filter(f -> f instanceof SessionEnded || f instanceof SessionFailed)
                .map(SessionEvent::sessionId).collect(Collectors.toSet());
        return over.containsAll(admitted);
    }

    /** The session requested for a client_user_ref (each is used once in this run). */
    private static String s1Of(List<SessionEvent> facts, String clientUserRef) {
        return facts.stream().filter(f -> f instanceof SessionRequested r && clientUserRef.equals(r.clientUserRef()))
                .map(SessionEvent::sessionId).findFirst().orElseThrow();
    }

    /** The shipped audit tool with these arguments, run on {@code tools}. */
    private static CompletableFuture<JavaProcess.Result> run(ExecutorService tools, String... args) {
        return CompletableFuture.supplyAsync(() -> JavaProcess.runJar(AUDIT, List.of(args), Duration.ofSeconds(120)), tools);
    }

    private static long count(List<SessionEvent> facts, Class<? extends SessionEvent> type) {
        return facts.stream().filter(type::isInstance).count();
    }

    private static long sum(JsonNode counts) {
        long total = 0;
        for (JsonNode value : counts) {
            total += value.asLong();
        }
        return total;
    }

    private static List<SessionEvent> facts(String bootstrap) {
        return TestKafka.readAll(bootstrap, TOPICS.events()).stream().map(ConsumerRecord::value).toList();
    }

    private static EndReason endReason(String bootstrap, String sessionId) {
        return facts(bootstrap).stream().filter(f -> f instanceof SessionEnded && f.sessionId().equals(sessionId))
                .map(f -> ((SessionEnded) f).reason()).findFirst().orElse(null);
    }

    private static void awaitFactCount(String bootstrap, String sessionId, String typeName, int count) {
        await().atMost(WAIT).untilAsserted(() -> {
            List<SessionEvent> session = facts(bootstrap).stream().filter(f -> f.sessionId().equals(sessionId)).toList();
            assertThat(session.stream().filter(f -> f.typeName().equals(typeName)).count())
                    .as("%s facts of %s among %s", typeName, sessionId, session).isGreaterThanOrEqualTo(count);
        });
    }

    /** The Daily room name of a session: the last segment of its room URL (a pooled room's own name). */
    private static String roomOf(JsonNode session) {
        String url = session.get("room_url").asString();
        return url.substring(url.lastIndexOf('/') + 1);
    }

    /** The user id of the session's meeting token, as Daily reads it. */
    private static String userOf(FakeDaily daily, JsonNode session) {
        String token = session.get("token").asString();
        return daily.verifySelfSigned(token).map(FakeDaily.SelfSignedToken::userId)
                .or(() -> daily.token(token).map(FakeDaily.MintedToken::userId))
                .orElseThrow(() -> new AssertionError("Daily knows no such token"));
    }

    private static JsonNode ok(HttpResponse<String> response) {
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        return Json.MAPPER.readTree(response.body());
    }

    private static void assertError(HttpResponse<String> response, int status, String errorCode) {
        assertThat(response.statusCode()).as(response.body()).isEqualTo(status);
        assertThat(Json.MAPPER.readTree(response.body()).get("error_code").asString()).isEqualTo(errorCode);
    }

    private void awaitReady(JavaProcess process) {
        await().atMost(START_WAIT).pollInterval(Duration.ofMillis(200)).until(() -> process.assertAlive()
                && status(HttpRequest.newBuilder(URI.create(url("/actuator/health/readiness")))
                        .timeout(Duration.ofSeconds(2)).GET()) == 200);
    }

    private void putAgent(String agent, String status, String hostnames, int limit) {
        String body = "{\"status\":\"" + status + "\",\"allowed_hostnames\":[" + hostnames + "],\"max_concurrency\":"
                + limit + ",\"max_session_seconds\":60}";
        HttpResponse<String> response = send(HttpRequest.newBuilder(URI.create(url("/v1/admin/agents/" + agent)))
                .header("Authorization", "Bearer " + ADMIN).header("Content-Type", "application/json")
                .PUT(HttpRequest.BodyPublishers.ofString(body)));
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
    }

    private HttpResponse<String> connect(String agent, String clientUserRef, String origin) {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(url("/v1/public/agents/connect")))
                .header("Content-Type", "application/json").timeout(Duration.ofSeconds(30))
                .POST(HttpRequest.BodyPublishers.ofString(
                        "{\"agent_id\":\"" + agent + "\",\"client_user_ref\":\"" + clientUserRef + "\"}"));
        if (origin != null) {
            request.header("Origin", origin);
        }
        return send(request);
    }

    /** @return the answer, or null when the connection broke (the JVM serving it was killed) */
    private HttpResponse<String> connectQuietly(String agent, String clientUserRef) {
        try {
            return connect(agent, clientUserRef, null);
        } catch (RuntimeException e) {
            return null;
        }
    }


    private HttpResponse<String> endSession(String sessionId) {
        return send(HttpRequest.newBuilder(URI.create(url("/v1/sessions/" + sessionId)))
                .header("Authorization", "Bearer " + ADMIN).DELETE());
    }

    private String url(String path) {
        return "http://127.0.0.1:" + connectPort + path;
    }

    private int status(HttpRequest.Builder request) {
        try {
            return send(request).statusCode();
        } catch (UncheckedIOException e) {
            return -1;
        }
    }

    private HttpResponse<String> send(HttpRequest.Builder request) {
        return HttpCalls.send(http, request);
    }
}
