package ai.ojin.session.standalone;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import ai.ojin.session.events.audit.AuditCheck;
import ai.ojin.session.events.fact.SessionAdmitted;
import ai.ojin.session.events.fact.SessionEnded;
import ai.ojin.session.events.fact.SessionEvent;
import ai.ojin.session.events.fact.SessionFailed;
import ai.ojin.session.events.topic.SessionTopics;
import ai.ojin.session.testkit.FakeDaily;
import ai.ojin.session.testkit.FakeOrchestrator;
import ai.ojin.session.testkit.JavaProcess;
import ai.ojin.session.testkit.TestKafka;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.stream.Collectors;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;

/**
 * The standalone jar's main in a JVM of its own, killed with SIGKILL during a burst and started
 * again on the same data directory: callers sent after readiness are answered by a running
 * pipeline (200 or 429, never 500), the log folds clean, and once the leases run out every slot
 * and room is back.
 */
class CrashRecoveryEndToEndTest {

    private static final String ADMIN = "crash-admin-token";
    private static final Duration WAIT = Duration.ofSeconds(120);

    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    @Test
    void shouldRecoverFromAKillWithinSecondsAndAnswerEveryCallerAfterReadiness() throws Exception {
        try (FakeDaily daily = new FakeDaily(); FakeOrchestrator orchestrator = new FakeOrchestrator()) {
            // given: the standalone in its own JVM, on a data directory of its own, with short leases
            Path dataDir = Files.createTempDirectory("crash-recovery");
            int connectPort = freePort();
            int kafkaPort = freePort();
            Map<String, String> env = Map.ofEntries(
                    Map.entry("DATA_DIR", dataDir.toString()),
                    Map.entry("KAFKA_PORT", String.valueOf(kafkaPort)),
                    Map.entry("CONNECT_API_PORT", String.valueOf(connectPort)),
                    Map.entry("ROOM_WORKER_PORT", String.valueOf(freePort())),
                    Map.entry("CALL_HISTORY_PORT", String.valueOf(freePort())),
                    Map.entry("WIDGET_PORT", "0"),
                    Map.entry("ADMIN_TOKEN", ADMIN),
                    Map.entry("DAILY_API_URL", daily.baseUrl()),
                    Map.entry("DAILY_API_KEY", daily.apiKey()),
                    Map.entry("ORCHESTRATOR_URL", orchestrator.baseUrl()),
                    Map.entry("ORCHESTRATOR_TOKEN", orchestrator.token()),
                    Map.entry("PROCESSOR_LEASE_STARTLEASE", "5s"),
                    Map.entry("PROCESSOR_LEASE_GRACE", "2s"),
                    Map.entry("PROCESSOR_LEASE_PUNCTUATEINTERVAL", "500ms"));
            Path log = Path.of("target", "crash-recovery-standalone.log");
            Files.deleteIfExists(log);
            JavaProcess first = JavaProcess.start(Standalone.class, Map.of(), env, log);
            List<String> agents = List.of("crash-a", "crash-b", "crash-c");
            List<Integer> afterRestart;
            Instant killedAt;
            Instant readyAt;
            try {
                awaitReady(first, connectPort);
                for (String agent : agents) {
                    putAgent(connectPort, agent);
                }
                daily.setLatency(Duration.ofMillis(300));

                // when: a burst of 60 connects, and the whole JVM is killed while set-ups are under way
                ExecutorService callers = Executors.newFixedThreadPool(60);
                try {
                    for (int i = 0; i < 60; i++) {
                        String agent = agents.get(i % agents.size());
                        CompletableFuture.runAsync(() -> connect(connectPort, agent), callers);
                    }
                    await().atMost(WAIT).until(() -> daily.requestCount("POST", "/v1/rooms") >= 5);
                    first.kill();
                    killedAt = Instant.now();
                } finally {
                    callers.shutdownNow();
                }
            } finally {
                first.close();
            }

            // and: it is started again on the same data directory
            try (JavaProcess second = JavaProcess.start(Standalone.class, Map.of(), env, log)) {
                awaitReady(second, connectPort);
                readyAt = Instant.now();

                // then: every connect sent after readiness is answered by a running pipeline
                ExecutorService callers = Executors.newFixedThreadPool(60);
                try {
                    List<CompletableFuture<Integer>> calls = new ArrayList<>();
                    for (int i = 0; i < 60; i++) {
                        String agent = agents.get(i % agents.size());
                        calls.add(CompletableFuture.supplyAsync(() -> connect(connectPort, agent).statusCode(), callers));
                    }
                    afterRestart = calls.stream().map(CompletableFuture::join).toList();
                } finally {
                    callers.shutdownNow();
                }
                System.out.println("CRASH_RECOVERY statuses after restart " + afterRestart.stream()
                        .collect(Collectors.groupingBy(s -> s, TreeMap::new, Collectors.counting())));
                assertThat(afterRestart).allSatisfy(status -> assertThat(status).isIn(200, 429));

                // and: the time from the kill to readiness and to the first admission after it
                String bootstrap = "127.0.0.1:" + kafkaPort;
                Instant firstAdmission = facts(bootstrap).stream()
                        .filter(f -> f instanceof SessionAdmitted && f.at().isAfter(killedAt))
                        .map(SessionEvent::at).min(Instant::compareTo).orElseThrow();
                System.out.printf("CRASH_RECOVERY kill_to_ready_ms=%d kill_to_first_admission_ms=%d%n",
                        Duration.between(killedAt, readyAt).toMillis(), Duration.between(killedAt, firstAdmission).toMillis());

                // and: the log folds clean
                assertThat(AuditCheck.check(facts(bootstrap)).violations()).isEmpty();

                // and: once the leases have run out, every admitted session is over and no room or bot is left
                await().atMost(WAIT).untilAsserted(() -> {
                    List<SessionEvent> facts = facts(bootstrap);
                    Set<String> admitted = new HashSet<>();
                    Set<String> over = new HashSet<>();
                    for (SessionEvent fact : facts) {
                        if (fact instanceof SessionAdmitted) {
                            admitted.add(fact.sessionId());
                        } else if (fact instanceof SessionEnded || fact instanceof SessionFailed) {
                            over.add(fact.sessionId());
                        }
                    }
                    assertThat(over).containsAll(admitted);
                    assertThat(daily.liveRoomNames()).noneMatch(name -> agents.stream().anyMatch(a -> name.startsWith(a + "_")));
                    assertThat(orchestrator.liveSessions()).isEmpty();
                });
                assertThat(AuditCheck.check(facts(bootstrap)).violations()).isEmpty();
                // and: every slot is free again
                for (String agent : agents) {
                    assertThat(connect(connectPort, agent).statusCode()).isEqualTo(200);
                }
            }
        }
    }

    private static List<SessionEvent> facts(String bootstrap) {
        return TestKafka.readAll(bootstrap, SessionTopics.DEFAULT.events()).stream().map(ConsumerRecord::value).toList();
    }

    private void awaitReady(JavaProcess process, int port) {
        await().atMost(WAIT).pollInterval(Duration.ofMillis(200)).until(() -> process.assertAlive()
                && status(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/actuator/health/readiness"))
                        .timeout(Duration.ofSeconds(2)).GET()) == 200);
    }

    private void putAgent(int port, String agent) {
        String body = "{\"status\":\"published\",\"allowed_hostnames\":[\"*\"],\"max_concurrency\":5,"
                + "\"max_session_seconds\":30}";
        assertThat(status(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/v1/admin/agents/" + agent))
                .header("Authorization", "Bearer " + ADMIN).header("Content-Type", "application/json")
                .PUT(HttpRequest.BodyPublishers.ofString(body)))).isEqualTo(200);
    }

    private HttpResponse<String> connect(int port, String agent) {
        return send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/v1/public/agents/connect"))
                .header("Content-Type", "application/json").timeout(Duration.ofSeconds(30))
                .POST(HttpRequest.BodyPublishers.ofString("{\"agent_id\":\"" + agent + "\"}")));
    }

    private int status(HttpRequest.Builder request) {
        try {
            return send(request).statusCode();
        } catch (UncheckedIOException e) {
            return -1;
        }
    }

    private HttpResponse<String> send(HttpRequest.Builder request) {
        try {
            return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }
}
