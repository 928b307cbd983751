package ai.ojin.session.standalone;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import ai.ojin.session.testkit.DailyWebhooks;
import ai.ojin.session.testkit.Fault;
import ai.ojin.session.testkit.OpenApiContract;
import ai.ojin.session.testkit.TestKafka;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The checked-in {@code docs/openapi.yaml} against the whole stack: every service serves it
 * unchanged and without a token, and real answers (Daily and the orchestrator really failing,
 * the processor really at a limit, the operator APIs) match the document's schemas.
 */
@ExtendWith(SharedStack.class)
class ApiDocumentEndToEndTest {

    private static final OpenApiContract CONTRACT = OpenApiContract.checkedIn();
    private static final String CONNECT = "/v1/public/agents/connect";
    private static final String SITE = "https://docs.example.com";
    private static Stack stack;

    @BeforeAll
    static void useSharedStack(Stack shared) {
        stack = shared;
    }

    private static String newAgent(String name, int maxConcurrency) {
        String agentId = TestKafka.uniqueId(name);
        stack.putAgent(agentId, "published", List.of("docs.example.com"), maxConcurrency, 600);
        return agentId;
    }

    private static HttpRequest.Builder get(String url) {
        return HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(30)).GET();
    }

    private static HttpRequest.Builder admin(HttpRequest.Builder request) {
        return request.header("Authorization", "Bearer " + Stack.ADMIN_TOKEN);
    }

    @Test
    void shouldServeTheCheckedInDocumentOnEveryServiceWithoutAToken() {
        // given
        List<String> urls = List.of(stack.connectUrl("/openapi.yaml"), stack.workerUrl("/openapi.yaml"),
                stack.historyUrl("/openapi.yaml"));

        for (String url : urls) {
            // when
            HttpResponse<String> response = stack.send(get(url));

            // then: byte for byte the checked-in document
            assertThat(response.statusCode()).as(url).isEqualTo(200);
            assertThat(response.headers().firstValue("Content-Type")).hasValueSatisfying(v -> assertThat(v).startsWith("application/yaml"));
            assertThat(response.body()).as(url).isEqualTo(CONTRACT.text());
        }
    }

    @Test
    void shouldAnswerConnectsAsDocumentedWhenTheLimitIsReachedAndWhenDailyOrTheOrchestratorFail() {
        // given: an agent with room for one session, one whose rooms Daily refuses, one whose bots the orchestrator refuses
        String limited = newAgent("doc-limit", 1);
        String noRoom = newAgent("doc-room", 5);
        String noBot = newAgent("doc-orch", 5);
        stack.daily.failNextWhen("POST", "/v1/rooms", call -> call.body().contains(noRoom + "_"), 10, Fault.status(500));
        stack.orchestrator.failNextWhen("POST", "/v1/sessions", call -> call.body().contains("\"" + noBot + "\""), 10,
                Fault.status(500));

        // when
        HttpResponse<String> ok = stack.connect(limited, "doc-user", SITE);
        HttpResponse<String> atLimit = stack.connect(limited, "doc-user", SITE);
        HttpResponse<String> roomFailed = stack.connect(noRoom, null, SITE);
        HttpResponse<String> orchestratorFailed = stack.connect(noBot, null, SITE);

        // then
        assertThat(ok.statusCode()).as(ok.body()).isEqualTo(200);
        assertThat(atLimit.statusCode()).as(atLimit.body()).isEqualTo(429);
        assertThat(atLimit.headers().firstValue("Retry-After"))
                .contains(Stack.json(atLimit).path("retry_after_seconds").asString());
        assertThat(roomFailed.statusCode()).as(roomFailed.body()).isEqualTo(502);
        assertThat(Stack.json(roomFailed).path("error_code").asString()).isEqualTo("room_creation_failed");
        assertThat(orchestratorFailed.statusCode()).as(orchestratorFailed.body()).isEqualTo(502);
        assertThat(Stack.json(orchestratorFailed).path("error_code").asString()).isEqualTo("orchestrator_error");
        for (HttpResponse<String> response : List.of(ok, atLimit, roomFailed, orchestratorFailed)) {
            assertThat(CONTRACT.violations(CONNECT, "post", response)).as(response.body()).isEmpty();
        }
    }

    @Test
    void shouldAnswerTheAdminApiAsDocumented() {
        // given
        String agent = newAgent("doc-admin", 5);
        String path = "/v1/admin/agents/{agent_id}";

        // when
        HttpResponse<String> found = stack.send(admin(get(stack.connectUrl("/v1/admin/agents/" + agent))));
        HttpResponse<String> missing = stack.send(admin(get(stack.connectUrl("/v1/admin/agents/" + agent + "-none"))));
        HttpResponse<String> noToken = stack.send(get(stack.connectUrl("/v1/admin/agents/" + agent)));
        HttpResponse<String> invalid = stack.send(admin(HttpRequest.newBuilder(URI.create(stack.connectUrl("/v1/admin/agents/" + agent))))
                .header("Content-Type", "application/json").PUT(HttpRequest.BodyPublishers.ofString("{\"status\":\"maybe\"}")));

        // then
        assertThat(List.of(found.statusCode(), missing.statusCode(), noToken.statusCode(), invalid.statusCode()))
                .containsExactly(200, 404, 401, 400);
        assertThat(CONTRACT.violations(path, "get", found)).isEmpty();
        assertThat(CONTRACT.violations(path, "get", missing)).isEmpty();
        assertThat(CONTRACT.violations(path, "get", noToken)).isEmpty();
        assertThat(CONTRACT.violations(path, "put", invalid)).isEmpty();
    }

    @Test
    void shouldAnswerEndSessionAndCallHistoryAsDocumented() {
        // given: a session that is then ended
        String agent = newAgent("doc-history", 5);
        HttpResponse<String> connected = stack.connect(agent, "doc-history-user", SITE);
        String sessionId = Stack.json(connected).path("session_id").asString();

        // when
        HttpResponse<String> ended = stack.endSession(sessionId);
        HttpResponse<String> endedAgain = stack.endSession(sessionId);

        // then
        assertThat(ended.statusCode()).as(ended.body()).isEqualTo(204);
        assertThat(endedAgain.statusCode()).as(endedAgain.body()).isEqualTo(404);
        assertThat(CONTRACT.violations("/v1/sessions/{session_id}", "delete", ended)).isEmpty();
        assertThat(CONTRACT.violations("/v1/sessions/{session_id}", "delete", endedAgain)).isEmpty();

        // and: the finished call is listed in the documented shape
        String history = stack.historyUrl("/v1/call-history?agent_id=" + agent);
        HttpResponse<String> page = await().atMost(Duration.ofSeconds(60)).until(() -> stack.send(admin(get(history))),
                response -> response.statusCode() == 200 && !Stack.json(response).path("items").isEmpty());
        assertThat(CONTRACT.violations("/v1/call-history", "get", page)).as(page.body()).isEmpty();
        HttpResponse<String> noToken = stack.send(get(history));
        HttpResponse<String> badLimit = stack.send(admin(get(history + "&limit=0")));
        assertThat(noToken.statusCode()).isEqualTo(401);
        assertThat(badLimit.statusCode()).isEqualTo(400);
        assertThat(CONTRACT.violations("/v1/call-history", "get", noToken)).isEmpty();
        assertThat(CONTRACT.violations("/v1/call-history", "get", badLimit)).isEmpty();
    }

    @Test
    void shouldAnswerDailysWebhookAsDocumented() {
        // given
        DailyWebhooks webhooks = stack.webhooks();
        HttpRequest.Builder unsigned = HttpRequest.newBuilder(URI.create(stack.workerUrl("/v1/webhooks/daily")))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(DailyWebhooks.meetingEnded(DailyWebhooks.newEventId(), "nobody_x")));

        // when
        HttpResponse<String> ping = stack.send(HttpRequest.newBuilder(URI.create(stack.workerUrl("/v1/webhooks/daily")))
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString("{\"test\":\"test\"}")));
        HttpResponse<String> signed = webhooks.post(DailyWebhooks.meetingEnded(DailyWebhooks.newEventId(), "not-a-room-of-ours"));
        HttpResponse<String> refused = stack.send(unsigned);

        // then
        assertThat(List.of(ping.statusCode(), signed.statusCode(), refused.statusCode())).containsExactly(200, 200, 401);
        assertThat(Stack.json(ping).path("status").asString()).isEqualTo("ping");
        for (HttpResponse<String> response : List.of(ping, signed, refused)) {
            assertThat(CONTRACT.violations("/v1/webhooks/daily", "post", response)).as(response.body()).isEmpty();
        }
    }
}
