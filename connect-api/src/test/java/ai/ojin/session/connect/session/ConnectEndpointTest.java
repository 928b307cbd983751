package ai.ojin.session.connect.session;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import ai.ojin.session.connect.reply.PendingReplies;
import ai.ojin.session.connect.support.RunningApi;
import ai.ojin.session.connect.support.ScriptedReplies;
import ai.ojin.session.connect.support.TestPipeline;
import ai.ojin.session.events.command.EndReason;
import ai.ojin.session.events.command.ReleaseSession;
import ai.ojin.session.events.command.RequestSession;
import ai.ojin.session.events.json.Json;
import ai.ojin.session.events.topic.SessionTopics;
import ai.ojin.session.testkit.TestKafka;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.io.ByteArrayInputStream;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;
import tools.jackson.databind.JsonNode;

/** The public endpoint over real HTTP, against a scripted pipeline on the real broker. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ConnectEndpointTest {

    private static final String SITE = "https://www.example.com";
    private static final String CONNECT = "/v1/public/agents/connect";
    private static final Duration REPLY_TIMEOUT = Duration.ofSeconds(2);
    /** Longer than any prompt reply of the scripted pipeline, shorter than the reply timeout. */
    private static final Duration THREAD_WAIT = Duration.ofMillis(1500);

    private SessionTopics topics;
    private TestPipeline pipeline;
    private RunningApi api;

    @BeforeAll
    void startApiAndPipeline() {
        topics = TestKafka.newTopics();
        pipeline = TestPipeline.start(topics, new ScriptedReplies());
        api = RunningApi.start(topics, Map.of("connect.reply-timeout", REPLY_TIMEOUT.toMillis() + "ms", "connect.max-body-bytes", "8192",
                "connect.thread-wait", THREAD_WAIT.toMillis() + "ms"));
        List<String> site = List.of("www.example.com", "localhost:3000");
        for (String agent : List.of("ok-agent", "busy-agent", "room-agent", "orch-agent", "mute-agent")) {
            assertThat(api.putAgent(agent, "published", site, 5).statusCode()).isEqualTo(200);
        }
        assertThat(api.putAgent("hidden-agent", "unpublished", site, 5).statusCode()).isEqualTo(200);
        assertThat(api.putAgent("private-agent", "published", List.of(), 5).statusCode()).isEqualTo(200);
        assertThat(api.putAgent("public-agent", "published", List.of("*"), 5).statusCode()).isEqualTo(200);
    }

    @AfterAll
    void stop() throws InterruptedException {
        api.close();
        pipeline.close();
    }

    @Test
    void shouldAnswerSessionRoomAndTokenForAnAllowedOrigin() {
        // given
        String body = "{\"agent_id\":\"ok-agent\",\"client_user_ref\":\"user-42\"}";

        // when
        HttpResponse<String> response = api.send(api.connect(body, SITE));

        // then
        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.headers().firstValue("Content-Type")).hasValueSatisfying(v -> assertThat(v).startsWith("application/json"));
        JsonNode json = Json.MAPPER.readTree(response.body());
        String sessionId = json.get("session_id").asString();
        assertThat(sessionId).matches("ok-agent_[a-z2-7]{26}");
        assertThat(response.body()).isEqualTo("{\"session_id\":\"" + sessionId + "\",\"room_url\":\"" + ScriptedReplies.roomUrl(sessionId)
                + "\",\"token\":\"" + ScriptedReplies.token(sessionId) + "\"}");
        assertThat(response.headers().firstValue("Access-Control-Allow-Origin")).contains(SITE);
        assertThat(response.headers().allValues("Vary")).anySatisfy(v -> assertThat(v).contains("Origin"));
    }

    @Test
    void shouldSendARequestCommandKeyedByAgentWithThisInstancesReplyPartition() {
        // given
        Instant before = Instant.now();

        // when
        HttpResponse<String> response = api.send(api.connect("{\"agent_id\":\"ok-agent\",\"client_user_ref\":\"ref-7\"}", SITE));

        // then
        String sessionId = Json.MAPPER.readTree(response.body()).get("session_id").asString();
        ConsumerRecord<String, ?> record = pipeline.records().stream()
                .filter(r -> r.value() instanceof RequestSession rs && rs.sessionId().equals(sessionId)).findFirst().orElseThrow();
        RequestSession request = (RequestSession) record.value();
        assertThat(record.key()).isEqualTo("ok-agent");
        assertThat(request.agentId()).isEqualTo("ok-agent");
        assertThat(request.clientUserRef()).isEqualTo("ref-7");
        assertThat(request.origin()).isEqualTo(SITE);
        assertThat(request.replyPartition()).isIn(api.bean(ai.ojin.session.connect.reply.ReplyListener.class).ownedPartitions());
        assertThat(request.deadline()).isBetween(before.plus(REPLY_TIMEOUT), Instant.now().plus(REPLY_TIMEOUT));
    }

    static Stream<Arguments> pipelineErrors() {
        return Stream.of(
                Arguments.of("busy-agent", 429, "{\"error_code\":\"concurrency_limit\",\"message\":\"Max concurrency reached\","
                        + "\"retry_after_seconds\":" + ScriptedReplies.RETRY_AFTER + "}"),
                Arguments.of("room-agent", 502, "{\"error_code\":\"room_creation_failed\",\"message\":\"WebRTC room could not be created\"}"),
                Arguments.of("orch-agent", 502, "{\"error_code\":\"orchestrator_error\",\"message\":\"Agent orchestrator returned an error\"}"));
    }

    @ParameterizedTest
    @MethodSource("pipelineErrors")
    void shouldAnswerThePipelinesErrorWithItsStatus(String agent, int status, String body) {
        // given / when
        HttpResponse<String> response = api.send(api.connect("{\"agent_id\":\"" + agent + "\"}", SITE));

        // then
        assertThat(response.statusCode()).isEqualTo(status);
        assertThat(response.body()).isEqualTo(body);
        assertThat(response.headers().firstValue("Access-Control-Allow-Origin")).contains(SITE);
    }

    @Test
    void shouldSendRetryAfterHeaderWithConcurrencyLimit() {
        // given / when
        HttpResponse<String> response = api.send(api.connect("{\"agent_id\":\"busy-agent\"}", SITE));

        // then
        assertThat(response.headers().firstValue("Retry-After")).contains(String.valueOf(ScriptedReplies.RETRY_AFTER));
    }

    static Stream<Arguments> localErrors() {
        String notFound = "{\"error_code\":\"agent_not_found\",\"message\":\"Agent not found\"}";
        String authFailed = "{\"error_code\":\"auth_failed\",\"message\":\"Origin is not allowed for this agent\"}";
        String unpublished = "{\"error_code\":\"agent_unpublished\",\"message\":\"Agent is not published\"}";
        return Stream.of(
                Arguments.of("no-such-agent", SITE, 404, notFound),
                Arguments.of("not a valid id!", SITE, 404, notFound),
                Arguments.of("no-such-agent", "https://evil.com", 404, notFound),
                Arguments.of("ok-agent", "https://evil.com", 403, authFailed),
                Arguments.of("ok-agent", "null", 403, authFailed),
                Arguments.of("ok-agent", "https://www.example.com.evil.com", 403, authFailed),
                Arguments.of("ok-agent", "https://evil-www.example.com", 403, authFailed),
                Arguments.of("ok-agent", "https://www.example.com@evil.com", 403, authFailed),
                Arguments.of("ok-agent", "https://evil.com#@www.example.com", 403, authFailed),
                Arguments.of("ok-agent", "http://localhost:3001", 403, authFailed),
                Arguments.of("ok-agent", null, 403, authFailed),
                Arguments.of("private-agent", SITE, 403, authFailed),
                Arguments.of("private-agent", null, 403, authFailed),
                Arguments.of("hidden-agent", "https://evil.com", 403, authFailed),
                Arguments.of("hidden-agent", SITE, 403, unpublished));
    }

    @ParameterizedTest
    @MethodSource("localErrors")
    void shouldCheckAgentThenOriginThenPublished(String agent, String origin, int status, String body) {
        // given / when
        HttpResponse<String> response = api.send(api.connect("{\"agent_id\":\"" + agent + "\"}", origin));

        // then
        assertThat(response.statusCode()).isEqualTo(status);
        assertThat(response.body()).isEqualTo(body);
    }

    @ParameterizedTest
    @ValueSource(strings = {"https://WWW.EXAMPLE.COM", "http://www.example.com:8080", "http://localhost:3000"})
    void shouldAcceptAllowedHostsWhateverTheirCaseAndPortRules(String origin) {
        // given / when
        HttpResponse<String> response = api.send(api.connect("{\"agent_id\":\"ok-agent\"}", origin));

        // then
        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.headers().firstValue("Access-Control-Allow-Origin")).contains(origin);
    }

    @Test
    void shouldAcceptCallsWithoutOriginForAWildcardAgent() {
        // given / when
        HttpResponse<String> withoutOrigin = api.send(api.connect("{\"agent_id\":\"public-agent\"}", null));
        HttpResponse<String> anyOrigin = api.send(api.connect("{\"agent_id\":\"public-agent\"}", "https://anything.test"));

        // then
        assertThat(withoutOrigin.statusCode()).isEqualTo(200);
        assertThat(withoutOrigin.headers().firstValue("Access-Control-Allow-Origin")).isEmpty();
        assertThat(anyOrigin.statusCode()).isEqualTo(200);
    }

    static Stream<Arguments> invalidBodies() {
        return Stream.of(
                Arguments.of("{\"agent_id\":", "Request body is not valid JSON"),
                Arguments.of("{\"agent_id\":\"ok-agent\"} trailing", "Request body is not valid JSON"),
                Arguments.of("{\"agent_id\":\"ok-agent\",\"agent_id\":\"other\"}", "Request body is not valid JSON"),
                Arguments.of("", "Request body must be a JSON object"),
                Arguments.of("[\"ok-agent\"]", "Request body must be a JSON object"),
                Arguments.of("\"ok-agent\"", "Request body must be a JSON object"),
                Arguments.of("null", "Request body must be a JSON object"),
                Arguments.of("{}", "agent_id is required"),
                Arguments.of("{\"agent_id\":null}", "agent_id is required"),
                Arguments.of("{\"agent_id\":42}", "agent_id must be a string"),
                Arguments.of("{\"agent_id\":[\"ok-agent\"]}", "agent_id must be a string"),
                Arguments.of("{\"agent_id\":\"\"}", "agent_id must not be empty"),
                Arguments.of("{\"agent_id\":\"ok-agent\",\"client_user_ref\":7}", "client_user_ref must be a string"),
                Arguments.of("{\"agent_id\":\"ok-agent\",\"client_user_ref\":\"" + "x".repeat(257) + "\"}",
                        "client_user_ref must be at most 256 characters"));
    }

    @ParameterizedTest
    @MethodSource("invalidBodies")
    void shouldRejectInvalidBodiesBeforeLookingAtTheAgent(String body, String message) {
        // given / when: an origin that no agent allows, so only validation can answer
        HttpResponse<String> response = api.send(api.connect(body, "https://evil.com"));

        // then
        assertThat(response.statusCode()).isEqualTo(400);
        assertThat(response.body()).isEqualTo("{\"error_code\":\"invalid_request\",\"message\":\"" + message + "\"}");
        assertThat(response.headers().firstValue("Access-Control-Allow-Origin")).contains("https://evil.com");
    }

    @Test
    void shouldAcceptAClientUserRefOfExactly256Characters() {
        // given: 256 characters, some outside the BMP (two UTF-16 units each)
        String ref = "\uD83D\uDE00".repeat(6) + "r".repeat(250);

        // when
        HttpResponse<String> response = api.send(api.connect("{\"agent_id\":\"ok-agent\",\"client_user_ref\":\"" + ref + "\"}", SITE));

        // then
        assertThat(response.statusCode()).isEqualTo(200);
    }

    @Test
    void shouldAnswerInternalErrorAndAbandonTheSessionWhenNoReplyComes() {
        // given
        PendingReplies pending = api.bean(PendingReplies.class);

        // when
        HttpResponse<String> response = api.send(api.connect("{\"agent_id\":\"mute-agent\"}", SITE));

        // then
        assertThat(response.statusCode()).isEqualTo(500);
        assertThat(response.body()).isEqualTo("{\"error_code\":\"internal_error\",\"message\":\"Unexpected server error\"}");
        String sessionId = pipeline.commands().stream().filter(c -> c instanceof RequestSession && c.agentId().equals("mute-agent"))
                .map(c -> c.sessionId()).findFirst().orElseThrow();
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertThat(pipeline.commands())
                .filteredOn(c -> c instanceof ReleaseSession r && r.sessionId().equals(sessionId))
                .singleElement()
                .satisfies(c -> assertThat(((ReleaseSession) c).reason()).isEqualTo(EndReason.ABANDONED)));
        assertThat(pending.size()).isZero();
        MeterRegistry meters = api.bean(MeterRegistry.class);
        assertThat(meters.get("connect.replies.pending").gauge().value()).isZero();
        assertThat(meters.get("connect.requests").tag("outcome", "internal_error").timer().count()).isPositive();
    }

    @Test
    void shouldAnswerPreflightsWithCorsHeaders() {
        // given
        HttpRequest.Builder preflight = api.request(CONNECT).method("OPTIONS", HttpRequest.BodyPublishers.noBody())
                .header("Origin", "https://anywhere.test").header("Access-Control-Request-Method", "POST")
                .header("Access-Control-Request-Headers", "content-type");

        // when
        HttpResponse<String> response = api.send(preflight);

        // then
        assertThat(response.statusCode()).isEqualTo(204);
        assertThat(response.headers().firstValue("Access-Control-Allow-Origin")).contains("https://anywhere.test");
        assertThat(response.headers().firstValue("Access-Control-Allow-Methods")).contains("POST");
        assertThat(response.headers().firstValue("Access-Control-Allow-Headers")).contains("Content-Type, Prefer, Idempotency-Key");
        assertThat(response.headers().firstValue("Access-Control-Max-Age")).contains("600");
        assertThat(response.headers().allValues("Vary")).anySatisfy(v -> assertThat(v).contains("Origin"));
        assertThat(response.headers().firstValue("Access-Control-Allow-Credentials")).isEmpty();
    }

    @ParameterizedTest
    @ValueSource(strings = {"null", "https://evil.com/path", "not an origin"})
    void shouldNeverAllowNullOrMalformedOriginsInCorsHeaders(String origin) {
        // given
        HttpRequest.Builder preflight = api.request(CONNECT).method("OPTIONS", HttpRequest.BodyPublishers.noBody())
                .header("Origin", origin).header("Access-Control-Request-Method", "POST");

        // when
        HttpResponse<String> preflightResponse = api.send(preflight);
        HttpResponse<String> post = api.send(api.connect("{\"agent_id\":\"ok-agent\"}", origin));

        // then
        assertThat(preflightResponse.headers().firstValue("Access-Control-Allow-Origin")).isEmpty();
        assertThat(post.statusCode()).isEqualTo(403);
        assertThat(post.headers().firstValue("Access-Control-Allow-Origin")).isEmpty();
        assertThat(post.headers().allValues("Vary")).anySatisfy(v -> assertThat(v).contains("Origin"));
    }

    @Test
    void shouldAnswerUnsupportedMediaTypeAsJson() {
        // given
        HttpRequest.Builder textPlain = api.request(CONNECT).header("Content-Type", "text/plain").header("Origin", SITE)
                .POST(HttpRequest.BodyPublishers.ofString("{\"agent_id\":\"ok-agent\"}"));
        HttpRequest.Builder noType = api.request(CONNECT).POST(HttpRequest.BodyPublishers.ofString("{\"agent_id\":\"ok-agent\"}"));

        // when
        HttpResponse<String> first = api.send(textPlain);
        HttpResponse<String> second = api.send(noType);

        // then
        for (HttpResponse<String> response : List.of(first, second)) {
            assertThat(response.statusCode()).isEqualTo(415);
            assertThat(response.body()).isEqualTo("{\"error_code\":\"unsupported_media_type\",\"message\":\"Content-Type must be application/json\"}");
        }
        assertThat(first.headers().firstValue("Access-Control-Allow-Origin")).contains(SITE);
    }

    @Test
    void shouldAnswerPayloadTooLargeForBodiesWithLengthAndChunked() {
        // given
        String big = "{\"agent_id\":\"ok-agent\",\"client_user_ref\":\"" + "x".repeat(9000) + "\"}";
        HttpRequest.Builder withLength = api.connect(big, SITE);
        HttpRequest.Builder chunked = api.request(CONNECT).header("Content-Type", "application/json").header("Origin", SITE)
                .POST(HttpRequest.BodyPublishers.ofInputStream(() -> new ByteArrayInputStream(big.getBytes())));

        // when
        HttpResponse<String> first = api.send(withLength);
        HttpResponse<String> second = api.send(chunked);

        // then
        for (HttpResponse<String> response : List.of(first, second)) {
            assertThat(response.statusCode()).isEqualTo(413);
            assertThat(response.body()).isEqualTo("{\"error_code\":\"payload_too_large\",\"message\":\"Request body is larger than 8192 bytes\"}");
            assertThat(response.headers().firstValue("Access-Control-Allow-Origin")).contains(SITE);
        }
    }

    @Test
    void shouldAnswerWrongMethodAndUnknownPathAsJson() {
        // given / when
        HttpResponse<String> get = api.send(api.request(CONNECT).header("Origin", SITE).GET());
        HttpResponse<String> unknown = api.send(api.admin("/v1/public/nothing-here").GET());
        HttpResponse<String> root = api.send(api.admin("/").GET());
        HttpResponse<String> anonymous = api.send(api.request("/v1/public/nothing-here").GET());

        // then
        assertThat(get.statusCode()).isEqualTo(405);
        assertThat(get.body()).isEqualTo("{\"error_code\":\"method_not_allowed\",\"message\":\"Method GET is not allowed here\"}");
        assertThat(get.headers().firstValue("Allow")).hasValueSatisfying(v -> assertThat(v).contains("POST"));
        assertThat(get.headers().firstValue("Access-Control-Allow-Origin")).contains(SITE);
        for (HttpResponse<String> response : List.of(unknown, root)) {
            assertThat(response.statusCode()).isEqualTo(404);
            assertThat(response.body()).isEqualTo("{\"error_code\":\"not_found\",\"message\":\"No such endpoint\"}");
        }
        // protected by default: without the token, a path that is not public is not even told apart
        assertThat(anonymous.statusCode()).isEqualTo(401);
    }

    @Test
    void shouldAnswerAPromptReplyOnItsOwnThreadAndReleaseTheThreadOfOneThatTakesLonger() {
        // given: connect.thread-wait 1.5 s, the reply timeout 2 s
        Counter released = api.bean(MeterRegistry.class).get("connect.requests.released").counter();
        double before = released.count();

        // when: a rejection, which the pipeline answers at once
        HttpResponse<String> rejected = api.send(api.connect("{\"agent_id\":\"busy-agent\"}", SITE));

        // then: answered on the request's thread, never released
        assertThat(rejected.statusCode()).isEqualTo(429);
        assertThat(rejected.headers().firstValue("Cache-Control")).contains("no-store");
        assertThat(released.count()).isEqualTo(before);

        // when: a connect nobody answers (its reply timeout comes after the thread wait)
        HttpResponse<String> unanswered = api.send(api.connect("{\"agent_id\":\"mute-agent\"}", SITE));

        // then: its thread was released, and its answer came after the async dispatch, with its headers
        assertThat(released.count()).isEqualTo(before + 1);
        assertThat(unanswered.statusCode()).isEqualTo(500);
        assertThat(unanswered.headers().firstValue("Cache-Control")).contains("no-store");
        assertThat(unanswered.body()).contains("\"error_code\":\"internal_error\"");
    }

    @Test
    void shouldRecordConnectLatencyByOutcome() {
        // given
        MeterRegistry meters = api.bean(MeterRegistry.class);
        long before = meters.timer("connect.requests", "outcome", "concurrency_limit").count();

        // when
        api.send(api.connect("{\"agent_id\":\"busy-agent\"}", SITE));

        // then
        assertThat(meters.timer("connect.requests", "outcome", "concurrency_limit").count()).isEqualTo(before + 1);
    }
}
