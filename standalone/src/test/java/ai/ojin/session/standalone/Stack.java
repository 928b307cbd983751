package ai.ojin.session.standalone;

import static org.assertj.core.api.Assertions.assertThat;

import ai.ojin.session.events.topic.SessionTopics;
import ai.ojin.session.testkit.DailyWebhooks;
import ai.ojin.session.testkit.FakeDaily;
import ai.ojin.session.testkit.HttpCalls;
import ai.ojin.session.testkit.FakeOrchestrator;
import ai.ojin.session.testkit.TestKafka;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import tools.jackson.databind.JsonNode;
import ai.ojin.session.events.json.Json;

/**
 * The standalone stack for end-to-end tests: all four services against a local fake Daily and
 * fake orchestrator, on the test JVM's broker under a topic prefix of its own, with random ports.
 * Driven over HTTP like a widget or an operator would.
 */
final class Stack implements AutoCloseable {

    static final String ADMIN_TOKEN = "e2e-admin-token";

    final FakeDaily daily = new FakeDaily();
    final FakeOrchestrator orchestrator = new FakeOrchestrator();
    final SessionTopics topics;
    final StandaloneStack stack;
    /** The secret Daily signs webhooks with, as configured for this stack. */
    final String webhookSecret;
    final Path dataDir;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    Stack(Map<String, String> extraOverrides) {
        this(TestKafka.bootstrapServers(), extraOverrides);
    }

    /** A stack on the given Kafka cluster (its topics must exist or be creatable there). */
    Stack(String bootstrapServers, Map<String, String> extraOverrides) {
        try {
            dataDir = Files.createTempDirectory("e2e");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        String prefix = extraOverrides.containsKey("session.topics.prefix")
                ? extraOverrides.get("session.topics.prefix").replaceAll("\\.$", "") : TestKafka.uniqueId("e2e");
        Map<String, String> env = new HashMap<>();
        env.put("DATA_DIR", dataDir.toString());
        env.put("KAFKA_BOOTSTRAP_SERVERS", bootstrapServers);
        env.put("CONNECT_API_PORT", "0");
        env.put("ROOM_WORKER_PORT", "0");
        env.put("CALL_HISTORY_PORT", "0");
        env.put("ADMIN_TOKEN", ADMIN_TOKEN);
        env.put("DAILY_API_URL", daily.baseUrl());
        env.put("DAILY_API_KEY", daily.apiKey());
        env.put("ORCHESTRATOR_URL", orchestrator.baseUrl());
        env.put("ORCHESTRATOR_TOKEN", orchestrator.token());
        // The call-history store as a deployment has it: one database for every sink instance (H2's
        // automatic mixed mode lets a second JVM open the same file, see InstanceFailoverEndToEndTest).
        env.put("CALL_HISTORY_DB_URL", callHistoryDbUrl());
        env.put("CALL_HISTORY_DB_USER", "sa");
        env.put("CALL_HISTORY_DB_PASSWORD", "");
        Map<String, String> overrides = new HashMap<>(StackIds.forPrefix(prefix));
        overrides.putAll(extraOverrides);
        topics = SessionTopics.withPrefix(prefix + ".");
        webhookSecret = extraOverrides.getOrDefault("DAILY_WEBHOOK_HMAC", StandaloneSettings.LOCAL_WEBHOOK_SECRET);
        // The widget page on a free loopback port, loading a stand-in of Daily's library instead of Daily's CDN.
        stack = StandaloneStack.start(StandaloneSettings.fromEnvironment(env).withWidgetPort(0)
                .withWidgetDailyJsUrl(DailyJsStandIn.URL), overrides);
    }

    /** The call-history store of this stack, to be shared by another sink instance. */
    String callHistoryDbUrl() {
        return "jdbc:h2:file:" + dataDir.resolve("call-history") + ";AUTO_SERVER=TRUE";
    }

    String connectUrl(String path) {
        return "http://127.0.0.1:" + stack.connectApiPort() + path;
    }

    String workerUrl(String path) {
        return "http://127.0.0.1:" + stack.roomWorkerPort() + path;
    }

    /** The widget page the stack serves for {@value StandaloneStack#DEMO_AGENT}, on origin {@code http://localhost:<port>}. */
    String widgetUrl() {
        return "http://localhost:" + stack.widgetPort().orElseThrow() + "/";
    }

    String historyUrl(String path) {
        return "http://127.0.0.1:" + stack.callHistoryPort() + path;
    }

    /** Creates or replaces an agent through the admin API. */
    void putAgent(String agentId, String status, List<String> hostnames, int maxConcurrency, int maxSessionSeconds) {
        String hosts = String.join(",", hostnames.stream().map(h -> "\"" + h + "\"").toList());
        String body = "{\"status\":\"" + status + "\",\"allowed_hostnames\":[" + hosts + "],\"max_concurrency\":"
                + maxConcurrency + ",\"max_session_seconds\":" + maxSessionSeconds + "}";
        HttpResponse<String> response = send(HttpRequest.newBuilder(URI.create(connectUrl("/v1/admin/agents/" + agentId)))
                .header("Authorization", "Bearer " + ADMIN_TOKEN)
                .header("Content-Type", "application/json")
                .PUT(HttpRequest.BodyPublishers.ofString(body)));
        if (response.statusCode() != 200) {
            throw new IllegalStateException("PUT agent failed: " + response.statusCode() + " " + response.body());
        }
    }

    HttpResponse<String> connect(String body, String origin) {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(connectUrl("/v1/public/agents/connect")))
                .header("Content-Type", "application/json")
                .timeout(Duration.ofSeconds(30))
                .POST(HttpRequest.BodyPublishers.ofString(body));
        if (origin != null) {
            request.header("Origin", origin);
        }
        return send(request);
    }

    HttpResponse<String> connect(String agentId, String clientUserRef, String origin) {
        String ref = clientUserRef == null ? "" : ",\"client_user_ref\":\"" + clientUserRef + "\"";
        return connect("{\"agent_id\":\"" + agentId + "\"" + ref + "}", origin);
    }

    /** Daily's webhooks to this stack's room-worker, signed with its secret. */
    DailyWebhooks webhooks() {
        return new DailyWebhooks(workerUrl("/v1/webhooks/daily"), webhookSecret);
    }

    /** The user joins the session's room with the token a connect answered (Daily's participant.joined). */
    void userJoins(String sessionId, String token, String participantId) {
        String userId = userIdOf(token);
        webhooks().send(DailyWebhooks.participantJoined(DailyWebhooks.newEventId(), sessionId, userId, participantId,
                java.time.Instant.now()));
    }

    /** That participant leaves the room after {@code seconds} (Daily's participant.left). */
    void userLeaves(String sessionId, String token, String participantId, long seconds) {
        String userId = userIdOf(token);
        webhooks().send(DailyWebhooks.participantLeft(DailyWebhooks.newEventId(), sessionId, userId, participantId,
                java.time.Instant.now().minusSeconds(seconds), seconds));
    }

    /** The user id a token carries: minted by Daily ({@code user_id}) or self-signed ({@code ud}). */
    private String userIdOf(String token) {
        return daily.token(token).map(FakeDaily.MintedToken::userId)
                .or(() -> daily.verifySelfSigned(token).map(FakeDaily.SelfSignedToken::userId))
                .orElseThrow(() -> new AssertionError("Daily knows no such token"));
    }

    /** Whether the connect-api on {@code port} (this stack's or another instance) reports ready. */
    boolean apiReady(int port) {
        try {
            return send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/actuator/health/readiness"))
                    .timeout(Duration.ofSeconds(2)).GET()).statusCode() == 200;
        } catch (java.io.UncheckedIOException e) {
            return false;
        }
    }

    /** Whether the connect-api on {@code port} has the agent in its catalog. */
    boolean apiKnows(int port, String agentId) {
        return send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/v1/admin/agents/" + agentId))
                .header("Authorization", "Bearer " + ADMIN_TOKEN).timeout(Duration.ofSeconds(5)).GET()).statusCode() == 200;
    }

    HttpResponse<String> endSession(String sessionId) {
        return send(HttpRequest.newBuilder(URI.create(connectUrl("/v1/sessions/" + sessionId)))
                .header("Authorization", "Bearer " + ADMIN_TOKEN)
                .DELETE());
    }

    HttpResponse<String> send(HttpRequest.Builder request) {
        return HttpCalls.send(http, request);
    }

    static JsonNode json(HttpResponse<String> response) {
        return Json.MAPPER.readTree(response.body());
    }

    /** The documented error shape: {@code status}, {@code error_code} and a message. */
    static void assertError(HttpResponse<String> response, int status, String errorCode) {
        assertThat(response.statusCode()).as(response.body()).isEqualTo(status);
        JsonNode body = json(response);
        assertThat(body.get("error_code").asString()).isEqualTo(errorCode);
        assertThat(body.get("message").asString()).isNotBlank();
    }

    @Override
    public void close() {
        stack.close();
        daily.close();
        orchestrator.close();
    }
}
