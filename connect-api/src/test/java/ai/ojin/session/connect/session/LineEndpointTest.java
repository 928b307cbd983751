package ai.ojin.session.connect.session;

import static org.assertj.core.api.Assertions.assertThat;

import ai.ojin.session.connect.support.RunningApi;
import ai.ojin.session.connect.support.ScriptedReplies;
import ai.ojin.session.connect.support.TestPipeline;
import ai.ojin.session.events.command.IdempotencyKeys;
import ai.ojin.session.events.command.LinePosition;
import ai.ojin.session.events.topic.SessionTopics;
import ai.ojin.session.testkit.TestKafka;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/** {@code GET /v1/public/agents/line} over real HTTP, answered by the scripted processor on the real broker. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class LineEndpointTest {

    private static final String SITE = "https://www.example.com";
    private static final String LINE = "/v1/public/agents/line";

    private TestPipeline pipeline;
    private RunningApi api;

    @BeforeAll
    void start() {
        SessionTopics topics = TestKafka.newTopics();
        pipeline = TestPipeline.start(topics, new ScriptedReplies());
        api = RunningApi.start(topics, Map.of("connect.reply-timeout", "5s"));
        assertThat(api.putAgent("ok-agent", "published", List.of("www.example.com"), 5).statusCode()).isEqualTo(200);
        assertThat(api.putAgent("hidden-agent", "unpublished", List.of("www.example.com"), 5).statusCode()).isEqualTo(200);
    }

    @AfterAll
    void stop() throws InterruptedException {
        api.close();
        pipeline.close();
    }

    static Stream<Arguments> answers() {
        return Stream.of(
                Arguments.of(ScriptedReplies.WAITING_KEY, 200, "{\"status\":\"waiting\",\"position\":" + ScriptedReplies.POSITION
                        + ",\"line_length\":" + ScriptedReplies.LINE_LENGTH + "}"),
                Arguments.of(ScriptedReplies.KNOWN_KEY, 200, "{\"status\":\"not_waiting\"}"),
                Arguments.of("unknown-key", 404, "{\"error_code\":\"session_not_found\",\"message\":\"Session not found\"}"));
    }

    @ParameterizedTest(name = "{0}: {1}")
    @MethodSource("answers")
    void shouldAnswerWhereTheConnectWithThatKeyStands(String key, int status, String body) {
        // given / when: no admin token, as a widget calls it
        HttpResponse<String> response = api.send(line("ok-agent", key, SITE));

        // then
        assertThat(response.statusCode()).isEqualTo(status);
        assertThat(response.body()).isEqualTo(body);
        assertThat(response.headers().firstValue("Cache-Control")).contains("no-store");
        assertThat(response.headers().firstValue("Access-Control-Allow-Origin")).contains(SITE);
        LinePosition query = pipeline.commands().stream().filter(LinePosition.class::isInstance).map(LinePosition.class::cast)
                .filter(q -> q.idempotencyKey().equals(IdempotencyKeys.keyHash(key))).findFirst().orElseThrow();
        assertThat(query.agentId()).isEqualTo("ok-agent");
        assertThat(query.sessionId()).startsWith("ok-agent_");
    }

    static Stream<Arguments> refusals() {
        return Stream.of(
                refusal(api -> api.request(LINE + "?agent_id=ok-agent").header("Origin", SITE).GET(), 400,
                        "{\"error_code\":\"invalid_request\",\"message\":\"Idempotency-Key is required\"}"),
                refusal(api -> api.request(LINE).header("Origin", SITE).header("Idempotency-Key", "k").GET(), 400,
                        "{\"error_code\":\"invalid_request\",\"message\":\"agent_id is required\"}"),
                refusal(api -> api.request(LINE + "?agent_id=ok-agent").header("Origin", SITE)
                        .header("Idempotency-Key", "k".repeat(256)).GET(), 400,
                        "{\"error_code\":\"invalid_request\",\"message\":\"" + ConnectController.INVALID_KEY + "\"}"),
                refusal(api -> line(api, "no-such-agent", "k", SITE), 404,
                        "{\"error_code\":\"agent_not_found\",\"message\":\"Agent not found\"}"),
                refusal(api -> line(api, "ok-agent", "k", "https://evil.test"), 403,
                        "{\"error_code\":\"auth_failed\",\"message\":\"Origin is not allowed for this agent\"}"),
                refusal(api -> line(api, "hidden-agent", "k", SITE), 403,
                        "{\"error_code\":\"agent_unpublished\",\"message\":\"Agent is not published\"}"));
    }

    private static Arguments refusal(Function<RunningApi, HttpRequest.Builder> request, int status, String body) {
        return Arguments.of(request, status, body);
    }

    @ParameterizedTest(name = "{1}: {2}")
    @MethodSource("refusals")
    void shouldCheckKeyAgentAndOriginLikeTheConnectCall(Function<RunningApi, HttpRequest.Builder> request, int status,
                                                        String body) {
        // given / when
        HttpResponse<String> response = api.send(request.apply(api));

        // then
        assertThat(response.statusCode()).isEqualTo(status);
        assertThat(response.body()).isEqualTo(body);
        assertThat(response.headers().firstValue("Cache-Control")).contains("no-store");
    }

    @Test
    void shouldAnswerPreflightsOfBothPublicPathsWithTheirMethodAndTheNewHeaders() {
        for (Map.Entry<String, String> path : Map.of(LINE, "GET", "/v1/public/agents/connect", "POST").entrySet()) {
            // given
            HttpRequest.Builder preflight = api.request(path.getKey()).method("OPTIONS", HttpRequest.BodyPublishers.noBody())
                    .header("Origin", SITE).header("Access-Control-Request-Method", path.getValue())
                    .header("Access-Control-Request-Headers", "idempotency-key,prefer");

            // when
            HttpResponse<String> response = api.send(preflight);

            // then
            assertThat(response.statusCode()).isEqualTo(204);
            assertThat(response.headers().firstValue("Access-Control-Allow-Origin")).contains(SITE);
            assertThat(response.headers().firstValue("Access-Control-Allow-Methods")).contains(path.getValue());
            assertThat(response.headers().firstValue("Access-Control-Allow-Headers")).contains("Content-Type, Prefer, Idempotency-Key");
            assertThat(response.headers().firstValue("Access-Control-Max-Age")).contains("600");
            assertThat(response.headers().allValues("Vary")).anySatisfy(v -> assertThat(v).contains("Origin"));
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"/v1/public/agents/line;x?agent_id=ok-agent", "/v1/public/agents;x/line?agent_id=ok-agent",
            "/v1;x/public/agents/line?agent_id=ok-agent", "/v1/public/agents%2Fline?agent_id=ok-agent",
            "/v1/public%2fagents/line?agent_id=ok-agent", "//v1/public/agents/line?agent_id=ok-agent",
            "/v1/public/agents/./line?agent_id=ok-agent", "/v1/public/agents/x/../line?agent_id=ok-agent",
            "/v1/public/agents/line%00?agent_id=ok-agent", "/v1/public/agents/line%2e?agent_id=ok-agent"})
    void shouldRefuseTheLinePathWrittenWithTricksLikeEveryOtherPath(String path) throws IOException {
        // given / when: written on a raw socket, so no client normalises it
        String status = rawStatusLine(path);

        // then
        assertThat(status).as(path).startsWith("HTTP/1.1 400");
    }

    @Test
    void shouldServeTheLinePathWithoutTheAdminTokenAndNothingBesideIt() throws IOException {
        // given / when
        String plain = rawStatusLine(LINE + "?agent_id=ok-agent");
        String below = rawStatusLine(LINE + "/more?agent_id=ok-agent");
        HttpResponse<String> wrongMethod = api.send(api.request(LINE).header("Origin", SITE).DELETE());

        // then
        assertThat(plain).startsWith("HTTP/1.1 400"); // reached the endpoint: the key is missing
        assertThat(below).startsWith("HTTP/1.1 401");
        assertThat(wrongMethod.statusCode()).isEqualTo(405);
        assertThat(wrongMethod.headers().firstValue("Access-Control-Allow-Origin")).contains(SITE);
    }

    private static HttpRequest.Builder line(RunningApi api, String agentId, String key, String origin) {
        return api.request(LINE + "?agent_id=" + agentId).header("Origin", origin).header("Idempotency-Key", key).GET();
    }

    private HttpRequest.Builder line(String agentId, String key, String origin) {
        return line(api, agentId, key, origin);
    }

    private String rawStatusLine(String path) throws IOException {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress("127.0.0.1", api.port()), 10_000);
            socket.setSoTimeout(30_000);
            OutputStream out = socket.getOutputStream();
            out.write(("GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nOrigin: " + SITE + "\r\nConnection: close\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            out.flush();
            InputStream in = socket.getInputStream();
            String response = new String(in.readAllBytes(), StandardCharsets.ISO_8859_1);
            return response.lines().findFirst().orElse("");
        }
    }
}
