package ai.ojin.session.standalone;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import ai.ojin.session.connect.ConnectApiApplication;
import ai.ojin.session.events.fact.SessionAdmitted;
import ai.ojin.session.events.fact.SessionDequeued;
import ai.ojin.session.events.fact.SessionEvent;
import ai.ojin.session.events.fact.SessionRequested;
import ai.ojin.session.testkit.FreePorts;
import ai.ojin.session.testkit.JavaProcess;
import ai.ojin.session.testkit.TestKafka;
import java.io.IOException;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Issue 24's conformance, through HTTP on the standalone stack (and a second connect-api in a JVM
 * of its own, killed with SIGKILL): the agent's line ({@code Prefer: wait}) admits first come,
 * first served while plain connects get 429; a waiter whose client disconnects leaves the line
 * and gets no room; an {@code Idempotency-Key} repeated 20 times in parallel across two API
 * instances gives one session, and the same after a kill -9 of one API. After the run the audit
 * tool's {@code check} and {@code replay} (the packaged jar) are clean on the log.
 */
@Tag("fault")
@ExtendWith(SharedStack.class)
class LineAndRetriesConformanceTest {

    private static final Duration WAIT = Duration.ofSeconds(60);
    private static final Path AUDIT = Path.of(System.getProperty("audit.jar", "../session-audit/target/session-audit.jar"));
    private static Stack stack;

    @BeforeAll
    static void useSharedStack(Stack shared) {
        stack = shared;
    }

    @Test
    void shouldAdmitThreeWaitersInTheirOrderWhilePlainConnectsGet429() {
        // given: an agent at its limit of one, and three connects waiting in its line, in order
        String agent = agent(1);
        String holder = sessionOf(stack.connect(agent, null, null));
        ExecutorService callers = Executors.newFixedThreadPool(3);
        try {
            List<CompletableFuture<HttpResponse<String>>> waiters = new ArrayList<>();
            for (int i = 1; i <= 3; i++) {
                String key = "waiter-" + i;
                waiters.add(CompletableFuture.supplyAsync(() -> connect(stack.stack.connectApiPort(), agent, null, key, 30),
                        callers));
                int place = i;
                await().atMost(WAIT).until(() -> place(agent, key) == place);
            }

            // when: a plain connect comes, then the slot frees three times
            HttpResponse<String> plain = stack.connect(agent, null, null);
            stack.endSession(holder);
            String first = sessionOf(waiters.get(0).get(WAIT.toSeconds(), java.util.concurrent.TimeUnit.SECONDS));
            assertThat(waiters.get(1)).isNotDone();
            stack.endSession(first);
            String second = sessionOf(waiters.get(1).get(WAIT.toSeconds(), java.util.concurrent.TimeUnit.SECONDS));
            stack.endSession(second);
            HttpResponse<String> third = waiters.get(2).get(WAIT.toSeconds(), java.util.concurrent.TimeUnit.SECONDS);

            // then
            Stack.assertError(plain, 429, "concurrency_limit");
            assertThat(third.statusCode()).as(third.body()).isEqualTo(200);
            assertThat(third.headers().firstValue("Preference-Applied")).hasValue("wait=30");
            List<String> admitted = facts(agent).stream().filter(SessionAdmitted.class::isInstance)
                    .map(SessionEvent::sessionId).toList();
            assertThat(admitted).containsExactly(holder, first, second, sessionOf(third));
            stack.endSession(sessionOf(third));
        } catch (Exception e) {
            throw new AssertionError(e);
        } finally {
            callers.shutdownNow();
        }
    }

    @Test
    void shouldTakeAWaiterWhoseClientDisconnectsOutOfTheLineAndMakeNoRoomForIt() throws IOException {
        // given: an agent at its limit, and a client waiting in its line
        String agent = agent(1);
        String holder = sessionOf(stack.connect(agent, null, null));
        String body = "{\"agent_id\":\"" + agent + "\"}";
        try (Socket client = new Socket("127.0.0.1", stack.stack.connectApiPort())) {
            OutputStream out = client.getOutputStream();
            out.write(("POST /v1/public/agents/connect HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                    + "Prefer: wait=30\r\nIdempotency-Key: leaves\r\nContent-Length: " + body.length() + "\r\n\r\n" + body)
                    .getBytes(StandardCharsets.UTF_8));
            out.flush();
            await().atMost(WAIT).until(() -> place(agent, "leaves") == 1);

            // when: the client goes away
        }

        // then: it leaves the line ...
        await().atMost(WAIT).until(() -> facts(agent).stream().anyMatch(f -> f instanceof SessionDequeued d
                && d.outcome() == SessionDequeued.Outcome.GONE));
        String gone = facts(agent).stream().filter(SessionDequeued.class::isInstance).findFirst().orElseThrow().sessionId();
        // ... and when the slot frees, the next connect gets it, and the one that left never had a room
        stack.endSession(holder);
        String next = sessionOf(stack.connect(agent, null, null));
        assertThat(facts(agent)).filteredOn(SessionAdmitted.class::isInstance).extracting(SessionEvent::sessionId)
                .containsExactly(holder, next);
        assertThat(stack.daily.createdRoomNames()).doesNotContain(gone);
        stack.endSession(next);
    }

    @Test
    void shouldAnswerAKeyRepeatedTwentyTimesAcrossTwoInstancesWithOneSessionAlsoAfterAKill() throws Exception {
        // given: a second connect-api in a JVM of its own, on the stack's broker and topics
        String agent = agent(2);
        int secondPort = FreePorts.outsideEphemeralRange();
        Map<String, String> settings = new HashMap<>(SharedStack.OVERRIDES);
        settings.putAll(Map.of(
                "KAFKA_BOOTSTRAP_SERVERS", stack.stack.bootstrapServers(),
                "session.topics.prefix", stack.topics.events().name().replace("session-events", ""),
                "session.instance.id", TestKafka.uniqueId("second-api"),
                "server.port", String.valueOf(secondPort),
                "server.address", "127.0.0.1",
                "ADMIN_TOKEN", Stack.ADMIN_TOKEN,
                "spring.autoconfigure.exclude", StandaloneStack.NO_JDBC,
                "logging.level.org.apache.kafka", "WARN"));
        Path logs = Files.createDirectories(Path.of("target", "line-and-retries"));
        ExecutorService callers = Executors.newFixedThreadPool(20);
        try (JavaProcess second = JavaProcess.start(ConnectApiApplication.class, settings, logs.resolve("second-api.log"))) {
            await().atMost(Duration.ofMinutes(3)).until(() -> second.assertAlive() && stack.apiReady(secondPort) && stack.apiKnows(secondPort, agent));
            List<Integer> ports = List.of(stack.stack.connectApiPort(), secondPort);

            // when: the same connect with one key, 20 times at once, half through each instance
            List<CompletableFuture<HttpResponse<String>>> calls = new ArrayList<>();
            for (int i = 0; i < 20; i++) {
                int port = ports.get(i % 2);
                calls.add(CompletableFuture.supplyAsync(() -> connect(port, agent, "user-20", "twenty", 0), callers));
            }
            List<HttpResponse<String>> answers = calls.stream().map(CompletableFuture::join).toList();

            // then: 20 answers with one session, one admission
            assertThat(answers).allSatisfy(a -> assertThat(a.statusCode()).as(a.body()).isEqualTo(200));
            List<String> sessions = answers.stream().map(LineAndRetriesConformanceTest::sessionOf).distinct().toList();
            assertThat(sessions).hasSize(1);
            assertThat(answers).allSatisfy(a -> assertThat(Stack.json(a).get("token").asString()).isNotBlank());
            assertThat(facts(agent)).filteredOn(SessionAdmitted.class::isInstance).extracting(SessionEvent::sessionId)
                    .containsExactly(sessions.get(0));
            assertThat(facts(agent)).filteredOn(SessionRequested.class::isInstance).hasSize(1);

            // and when: the second instance dies (SIGKILL) and the caller repeats through the first
            second.kill();
            HttpResponse<String> afterKill = connect(stack.stack.connectApiPort(), agent, "user-20", "twenty", 0);

            // then: the same session again; another body with the key is refused
            assertThat(afterKill.statusCode()).as(afterKill.body()).isEqualTo(200);
            assertThat(sessionOf(afterKill)).isEqualTo(sessions.get(0));
            Stack.assertError(connect(stack.stack.connectApiPort(), agent, "someone-else", "twenty", 0), 422,
                    "idempotency_key_reused");
            stack.endSession(sessions.get(0));
        } finally {
            callers.shutdownNow();
        }
    }

    @AfterAll
    static void theShippedAuditToolFindsTheLogClean() {
        if (stack == null) {
            return;
        }
        String prefix = "--topic-prefix=" + stack.topics.events().name().replace("session-events", "");
        String servers = "--bootstrap-servers=" + stack.stack.bootstrapServers();
        JavaProcess.Result check = JavaProcess.runJar(AUDIT, List.of(servers, prefix, "check"), Duration.ofSeconds(120));
        assertThat(check.exitCode()).as(check.out() + check.err()).isZero();
        assertThat(check.out()).contains("OK: no violations");
        // the stack's processor runs with a retry-after bound of 3 s (SharedStack.OVERRIDES): the replay is told so
        JavaProcess.Result replay = JavaProcess.runJar(AUDIT, List.of("replay", servers, prefix, "--max-retry-after",
                SharedStack.OVERRIDES.get("processor.lease.max-retry-after")), Duration.ofSeconds(120));
        assertThat(replay.exitCode()).as(replay.out() + replay.err()).isZero();
        assertThat(replay.out()).contains("OK: every replayed decision equals the recorded fact");
    }

    private static String agent(int limit) {
        String agent = TestKafka.uniqueId("line");
        stack.putAgent(agent, "published", List.of("*"), limit, 600);
        return agent;
    }

    private static HttpResponse<String> connect(int port, String agent, String clientUserRef, String key, int waitSeconds) {
        String ref = clientUserRef == null ? "" : ",\"client_user_ref\":\"" + clientUserRef + "\"";
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/v1/public/agents/connect"))
                .header("Content-Type", "application/json")
                .timeout(Duration.ofSeconds(90))
                .POST(HttpRequest.BodyPublishers.ofString("{\"agent_id\":\"" + agent + "\"" + ref + "}"));
        if (key != null) {
            request.header("Idempotency-Key", key);
        }
        if (waitSeconds > 0) {
            request.header("Prefer", "wait=" + waitSeconds);
        }
        return stack.send(request);
    }

    /** The place in the agent's line of the connect with this key (0: not waiting). */
    private static int place(String agent, String key) {
        HttpResponse<String> response = stack.send(HttpRequest.newBuilder(
                        URI.create(stack.connectUrl("/v1/public/agents/line?agent_id=" + agent)))
                .header("Idempotency-Key", key).timeout(Duration.ofSeconds(10)).GET());
        if (response.statusCode() != 200) {
            return 0;
        }
        var body = Stack.json(response);
        return "waiting".equals(body.path("status").asString()) ? body.path("position").asInt() : 0;
    }

    private static String sessionOf(HttpResponse<String> response) {
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        return Stack.json(response).get("session_id").asString();
    }

    private static List<SessionEvent> facts(String agent) {
        return TestKafka.readAll(stack.stack.bootstrapServers(), stack.topics.events()).stream()
                .filter(r -> agent.equals(r.key())).map(ConsumerRecord::value).toList();
    }
}
