package ai.ojin.session.connect.session;

import static org.assertj.core.api.Assertions.assertThat;

import ai.ojin.session.connect.support.RunningApi;
import ai.ojin.session.connect.support.ScriptedReplies;
import ai.ojin.session.connect.support.TestPipeline;
import ai.ojin.session.events.json.Json;
import ai.ojin.session.events.topic.SessionTopics;
import ai.ojin.session.testkit.OpenApiContract;
import ai.ojin.session.testkit.TestKafka;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Function;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Real answers of the connect endpoint (over HTTP, through the real broker to a scripted
 * pipeline) against the checked-in {@code docs/openapi.yaml}: every status the document lists
 * for the endpoint is produced here and its body and headers must match the document's schemas.
 * The pipeline's own failures (Daily and the orchestrator really failing) are checked the same
 * way end to end in standalone's {@code ApiDocumentEndToEndTest}.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ConnectContractTest {

    private static final String SITE = "https://www.example.com";
    private static final String CONNECT = "/v1/public/agents/connect";
    private static final String LINE = "/v1/public/agents/line";
    private static final OpenApiContract CONTRACT = OpenApiContract.checkedIn();

    private TestPipeline pipeline;
    private RunningApi api;

    @BeforeAll
    void startApiAndPipeline() {
        SessionTopics topics = TestKafka.newTopics();
        pipeline = TestPipeline.start(topics, new ScriptedReplies());
        api = RunningApi.start(topics, Map.of("connect.reply-timeout", "1500ms", "connect.max-body-bytes", "8192"));
        List<String> site = List.of("www.example.com");
        for (String agent : List.of("ok-agent", "busy-agent", "room-agent", "orch-agent", "mute-agent", "reused-agent", "ended-agent")) {
            assertThat(api.putAgent(agent, "published", site, 5).statusCode()).isEqualTo(200);
        }
        assertThat(api.putAgent("hidden-agent", "unpublished", site, 5).statusCode()).isEqualTo(200);
    }

    @AfterAll
    void stop() throws InterruptedException {
        api.close();
        pipeline.close();
    }

    @Test
    void shouldCoverEveryStatusTheDocumentListsForTheEndpoint() {
        // given
        Set<Integer> covered = new TreeSet<>();
        answers().forEach(answer -> covered.add((Integer) answer.get()[1]));

        covered.add(OverloadEndpointTest.STATUS); // load shedding needs a stack of its own: checked against this document there

        // when
        Set<Integer> documented = CONTRACT.statuses(CONNECT, "post");

        // then
        assertThat(covered).isEqualTo(documented);
    }

    static Stream<Arguments> answers() {
        Function<RunningApi, HttpRequest.Builder> unknownPath = api -> api.admin("/v1/public/agents/unknown").header("Origin", SITE).GET();
        return Stream.of(
                Arguments.of("ok", 200, null, (Function<RunningApi, HttpRequest.Builder>) api -> api.connect("{\"agent_id\":\"ok-agent\",\"client_user_ref\":\"u-1\"}", SITE)),
                Arguments.of("invalid JSON", 400, "invalid_request", (Function<RunningApi, HttpRequest.Builder>) api -> api.connect("{\"agent_id\":", SITE)),
                Arguments.of("missing agent_id", 400, "invalid_request", (Function<RunningApi, HttpRequest.Builder>) api -> api.connect("{}", SITE)),
                Arguments.of("origin not allowed", 403, "auth_failed", (Function<RunningApi, HttpRequest.Builder>) api -> api.connect("{\"agent_id\":\"ok-agent\"}", "https://evil.test")),
                Arguments.of("unpublished", 403, "agent_unpublished", (Function<RunningApi, HttpRequest.Builder>) api -> api.connect("{\"agent_id\":\"hidden-agent\"}", SITE)),
                Arguments.of("no such agent", 404, "agent_not_found", (Function<RunningApi, HttpRequest.Builder>) api -> api.connect("{\"agent_id\":\"no-such-agent\"}", SITE)),
                Arguments.of("unknown path", 404, "not_found", unknownPath),
                Arguments.of("wrong method", 405, "method_not_allowed", (Function<RunningApi, HttpRequest.Builder>) api -> api.request(CONNECT).header("Origin", SITE).GET()),
                Arguments.of("body too large", 413, "payload_too_large", (Function<RunningApi, HttpRequest.Builder>) api -> api.connect("{\"agent_id\":\"ok-agent\",\"x\":\"" + "x".repeat(9000) + "\"}", SITE)),
                Arguments.of("not JSON", 415, "unsupported_media_type", (Function<RunningApi, HttpRequest.Builder>) api -> api.request(CONNECT).header("Content-Type", "text/plain").header("Origin", SITE)
                        .POST(HttpRequest.BodyPublishers.ofString("{\"agent_id\":\"ok-agent\"}"))),
                Arguments.of("at its limit", 429, "concurrency_limit", (Function<RunningApi, HttpRequest.Builder>) api -> api.connect("{\"agent_id\":\"busy-agent\"}", SITE)),
                Arguments.of("no reply in time", 500, "internal_error", (Function<RunningApi, HttpRequest.Builder>) api -> api.connect("{\"agent_id\":\"mute-agent\"}", SITE)),
                Arguments.of("room failed", 502, "room_creation_failed", (Function<RunningApi, HttpRequest.Builder>) api -> api.connect("{\"agent_id\":\"room-agent\"}", SITE)),
                Arguments.of("orchestrator failed", 502, "orchestrator_error", (Function<RunningApi, HttpRequest.Builder>) api -> api.connect("{\"agent_id\":\"orch-agent\"}", SITE)),
                Arguments.of("waited", 200, null, (Function<RunningApi, HttpRequest.Builder>) api -> api.connect("{\"agent_id\":\"ok-agent\"}", SITE)
                        .header("Prefer", "wait=5").header("Idempotency-Key", "contract-1")),
                Arguments.of("invalid key", 400, "invalid_request", (Function<RunningApi, HttpRequest.Builder>) api -> api.connect("{\"agent_id\":\"ok-agent\"}", SITE)
                        .header("Idempotency-Key", "x".repeat(300))),
                Arguments.of("session of the key ended", 409, "session_ended", (Function<RunningApi, HttpRequest.Builder>) api -> api.connect("{\"agent_id\":\"ended-agent\"}", SITE)
                        .header("Idempotency-Key", "contract-2")),
                Arguments.of("key used with another body", 422, "idempotency_key_reused", (Function<RunningApi, HttpRequest.Builder>) api -> api.connect("{\"agent_id\":\"reused-agent\"}", SITE)
                        .header("Idempotency-Key", "contract-3").header("Prefer", "wait=3")));
    }

    static Stream<Arguments> lineAnswers() {
        return Stream.of(
                Arguments.of("waiting", 200, null, line("ok-agent", ScriptedReplies.WAITING_KEY, SITE)),
                Arguments.of("not waiting", 200, null, line("ok-agent", ScriptedReplies.KNOWN_KEY, SITE)),
                Arguments.of("no key", 400, "invalid_request", (Function<RunningApi, HttpRequest.Builder>) api -> api.request(LINE + "?agent_id=ok-agent")
                        .header("Origin", SITE).GET()),
                Arguments.of("origin not allowed", 403, "auth_failed", line("ok-agent", "k", "https://evil.test")),
                Arguments.of("unpublished", 403, "agent_unpublished", line("hidden-agent", "k", SITE)),
                Arguments.of("no such agent", 404, "agent_not_found", line("no-such-agent", "k", SITE)),
                Arguments.of("unknown key", 404, "session_not_found", line("ok-agent", "unknown-key", SITE)),
                Arguments.of("wrong method", 405, "method_not_allowed", (Function<RunningApi, HttpRequest.Builder>) api -> api.request(LINE)
                        .header("Origin", SITE).DELETE()),
                Arguments.of("no reply in time", 500, "internal_error", line("mute-agent", "k", SITE)));
    }

    private static Function<RunningApi, HttpRequest.Builder> line(String agentId, String key, String origin) {
        return api -> api.request(LINE + "?agent_id=" + agentId).header("Origin", origin).header("Idempotency-Key", key).GET();
    }

    @Test
    void shouldCoverEveryStatusTheDocumentListsForTheLineEndpoint() {
        // given
        Set<Integer> covered = new TreeSet<>();
        lineAnswers().forEach(answer -> covered.add((Integer) answer.get()[1]));

        // when
        Set<Integer> documented = CONTRACT.statuses(LINE, "get");

        // then
        assertThat(covered).isEqualTo(documented);
    }

    @ParameterizedTest(name = "{0}: {1} {2}")
    @MethodSource("lineAnswers")
    void shouldAnswerTheLineAsTheDocumentSays(String why, int status, String errorCode, Function<RunningApi, HttpRequest.Builder> request) {
        // given / when
        HttpResponse<String> response = api.send(request.apply(api));

        // then
        assertThat(response.statusCode()).as(response.body()).isEqualTo(status);
        if (errorCode != null) {
            assertThat(Json.MAPPER.readTree(response.body()).path("error_code").asString()).isEqualTo(errorCode);
        }
        assertThat(CONTRACT.violations(LINE, "get", response)).isEmpty();
        assertThat(response.headers().allValues("Vary")).anySatisfy(v -> assertThat(v).contains("Origin"));
    }

    @Test
    void shouldAnswerTheLinePreflightAsTheDocumentSays() {
        // given / when
        HttpResponse<String> response = api.send(api.request(LINE).header("Origin", SITE)
                .header("Access-Control-Request-Method", "GET").method("OPTIONS", HttpRequest.BodyPublishers.noBody()));

        // then
        assertThat(response.statusCode()).isEqualTo(204);
        assertThat(CONTRACT.violations(LINE, "options", response)).isEmpty();
        assertThat(response.headers().firstValue("Access-Control-Allow-Methods")).contains("GET");
    }

    @ParameterizedTest(name = "{0}: {1} {2}")
    @MethodSource("answers")
    void shouldAnswerAsTheDocumentSays(String why, int status, String errorCode, Function<RunningApi, HttpRequest.Builder> request) {
        // given / when
        HttpResponse<String> response = api.send(request.apply(api));

        // then
        assertThat(response.statusCode()).as(response.body()).isEqualTo(status);
        if (errorCode != null) {
            assertThat(Json.MAPPER.readTree(response.body()).path("error_code").asString()).isEqualTo(errorCode);
        }
        assertThat(CONTRACT.violations(CONNECT, "post", response)).isEmpty();
        // CORS on every answer of the endpoint (errors included), so that a widget can read it
        if (response.uri().getPath().equals(CONNECT)) {
            assertThat(response.headers().allValues("Vary")).anySatisfy(v -> assertThat(v).contains("Origin"));
            assertThat(response.headers().firstValue("Access-Control-Allow-Origin"))
                    .isEqualTo(response.request().headers().firstValue("Origin"));
        }
    }

    @Test
    void shouldAnswerTheConcurrencyLimitWithRetryAfterInBodyAndHeader() {
        // given / when
        HttpResponse<String> response = api.send(api.connect("{\"agent_id\":\"busy-agent\"}", SITE));

        // then
        assertThat(Json.MAPPER.readTree(response.body()).path("retry_after_seconds").asInt()).isEqualTo(ScriptedReplies.RETRY_AFTER);
        assertThat(response.headers().firstValue("Retry-After")).contains(String.valueOf(ScriptedReplies.RETRY_AFTER));
        assertThat(CONTRACT.violations(CONNECT, "post", response)).isEmpty();
    }

    @Test
    void shouldAnswerThePreflightAsTheDocumentSays() {
        // given / when
        HttpResponse<String> response = api.send(api.request(CONNECT).header("Origin", SITE)
                .header("Access-Control-Request-Method", "POST").method("OPTIONS", HttpRequest.BodyPublishers.noBody()));

        // then
        assertThat(response.statusCode()).isEqualTo(204);
        assertThat(CONTRACT.violations(CONNECT, "options", response)).isEmpty();
        assertThat(response.headers().firstValue("Access-Control-Allow-Origin")).contains(SITE);
        assertThat(response.headers().firstValue("Access-Control-Allow-Methods")).contains("POST");
    }

    @Test
    void shouldServeTheCheckedInDocumentWithoutAToken() {
        // given / when
        HttpResponse<String> response = api.send(api.request("/openapi.yaml").GET());

        // then: byte for byte the checked-in docs/openapi.yaml
        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.headers().firstValue("Content-Type")).hasValueSatisfying(v -> assertThat(v).startsWith("application/yaml"));
        assertThat(response.body()).isEqualTo(CONTRACT.text());
    }
}
