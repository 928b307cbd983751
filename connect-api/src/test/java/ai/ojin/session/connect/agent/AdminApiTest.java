package ai.ojin.session.connect.agent;

import static org.assertj.core.api.Assertions.assertThat;

import ai.ojin.session.connect.support.RunningApi;
import ai.ojin.session.connect.support.ScriptedReplies;
import ai.ojin.session.connect.support.TestPipeline;
import ai.ojin.session.events.agent.Agent;
import ai.ojin.session.events.agent.AgentStatus;
import ai.ojin.session.events.command.EndReason;
import ai.ojin.session.events.command.ReleaseSession;
import ai.ojin.session.events.json.Json;
import ai.ojin.session.events.topic.SessionTopics;
import ai.ojin.session.testkit.TestKafka;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;
import tools.jackson.databind.JsonNode;

/** The admin API and the end-session call over real HTTP, on the real broker. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class AdminApiTest {

    private static final String UNAUTHORIZED = "{\"error_code\":\"unauthorized\",\"message\":\"Missing or wrong bearer token\"}";
    private static final String VALID = "{\"status\":\"published\",\"allowed_hostnames\":[\"Example.COM\",\"localhost:3000\",\"example.com\"],"
            + "\"max_concurrency\":3,\"max_session_seconds\":900}";

    private SessionTopics topics;
    private TestPipeline pipeline;
    private RunningApi api;

    @BeforeAll
    void start() {
        topics = TestKafka.newTopics();
        pipeline = TestPipeline.start(topics, new ScriptedReplies());
        api = RunningApi.start(topics, Map.of());
    }

    @AfterAll
    void stop() throws InterruptedException {
        api.close();
        pipeline.close();
    }

    static Stream<Arguments> unauthorizedCalls() {
        return Stream.of(
                Arguments.of("GET", "/v1/admin/agents/a1", null),
                Arguments.of("GET", "/v1/admin/agents/a1", "Bearer wrong-token"),
                Arguments.of("GET", "/v1/admin/agents/a1", "Bearer " + RunningApi.ADMIN_TOKEN + "x"),
                Arguments.of("GET", "/v1/admin/agents/a1", "Basic " + RunningApi.ADMIN_TOKEN),
                Arguments.of("GET", "/v1/admin/agents/a1", RunningApi.ADMIN_TOKEN),
                Arguments.of("PUT", "/v1/admin/agents/a1", "Bearer wrong-token"),
                Arguments.of("DELETE", "/v1/admin/agents/a1", null),
                Arguments.of("DELETE", "/v1/sessions/a1_abcdefghijklmnopqrstuvwxyz", null),
                Arguments.of("DELETE", "/v1/sessions/a1_abcdefghijklmnopqrstuvwxyz", "Bearer nope"));
    }

    @ParameterizedTest
    @MethodSource("unauthorizedCalls")
    void shouldRejectCallsWithoutTheAdminToken(String method, String path, String authorization) {
        // given
        HttpRequest.Builder request = api.request(path).header("Content-Type", "application/json")
                .method(method, HttpRequest.BodyPublishers.ofString(method.equals("PUT") ? VALID : ""));
        if (authorization != null) {
            request.header("Authorization", authorization);
        }

        // when
        HttpResponse<String> response = api.send(request);

        // then
        assertThat(response.statusCode()).isEqualTo(401);
        assertThat(response.body()).isEqualTo(UNAUTHORIZED);
        assertThat(response.headers().firstValue("WWW-Authenticate")).contains("Bearer");
        assertThat(pipeline.commands()).noneMatch(c -> c.sessionId().equals("a1_abcdefghijklmnopqrstuvwxyz"));
    }

    @Test
    void shouldStoreAnAgentAndReadItBackAtOnce() {
        // given
        Instant before = Instant.now();

        // when
        HttpResponse<String> put = put("admin-agent-1", VALID);
        HttpResponse<String> get = api.send(api.admin("/v1/admin/agents/admin-agent-1").GET());

        // then
        assertThat(put.statusCode()).isEqualTo(200);
        JsonNode stored = Json.MAPPER.readTree(put.body());
        assertThat(stored.get("agent_id").asString()).isEqualTo("admin-agent-1");
        assertThat(stored.get("status").asString()).isEqualTo("published");
        assertThat(stored.get("allowed_hostnames").toString()).isEqualTo("[\"example.com\",\"localhost:3000\"]");
        assertThat(stored.get("max_concurrency").asInt()).isEqualTo(3);
        assertThat(stored.get("max_session_seconds").asInt()).isEqualTo(900);
        assertThat(Instant.parse(stored.get("updated_at").asString())).isBetween(before, Instant.now());
        assertThat(stored.properties()).hasSize(6);
        assertThat(get.statusCode()).isEqualTo(200);
        assertThat(get.body()).isEqualTo(put.body());
        Agent inCatalog = api.bean(AgentCatalog.class).find("admin-agent-1").orElseThrow();
        assertThat(inCatalog.status()).isEqualTo(AgentStatus.PUBLISHED);
    }

    @Test
    void shouldApplyAnUpdateBeforeTheNextConnect() {
        // given
        put("admin-agent-2", VALID.replace("\"published\"", "\"unpublished\""));
        HttpResponse<String> before = api.send(api.connect("{\"agent_id\":\"admin-agent-2\"}", "https://example.com"));

        // when
        put("admin-agent-2", VALID);
        HttpResponse<String> after = api.send(api.connect("{\"agent_id\":\"admin-agent-2\"}", "https://example.com"));

        // then
        assertThat(before.statusCode()).isEqualTo(403);
        assertThat(before.body()).contains("agent_unpublished");
        assertThat(after.statusCode()).isEqualTo(200);
    }

    @Test
    void shouldDeleteAnAgentWithATombstone() {
        // given
        put("admin-agent-3", VALID);

        // when
        HttpResponse<String> delete = api.send(api.admin("/v1/admin/agents/admin-agent-3").DELETE());
        HttpResponse<String> get = api.send(api.admin("/v1/admin/agents/admin-agent-3").GET());
        HttpResponse<String> again = api.send(api.admin("/v1/admin/agents/admin-agent-3").DELETE());
        HttpResponse<String> connect = api.send(api.connect("{\"agent_id\":\"admin-agent-3\"}", "https://example.com"));

        // then
        assertThat(delete.statusCode()).isEqualTo(204);
        assertThat(delete.body()).isEmpty();
        String notFound = "{\"error_code\":\"agent_not_found\",\"message\":\"Agent not found\"}";
        assertThat(get.statusCode()).isEqualTo(404);
        assertThat(get.body()).isEqualTo(notFound);
        assertThat(again.statusCode()).isEqualTo(404);
        assertThat(connect.statusCode()).isEqualTo(404);
        assertThat(api.bean(AgentCatalog.class).find("admin-agent-3")).isEmpty();
    }

    @ParameterizedTest
    @ValueSource(strings = {"unknown-agent", "not%20valid"})
    void shouldAnswerNotFoundForUnknownAgents(String agentId) {
        // given / when
        HttpResponse<String> response = api.send(api.admin("/v1/admin/agents/" + agentId).GET());

        // then
        assertThat(response.statusCode()).isEqualTo(404);
        assertThat(response.body()).isEqualTo("{\"error_code\":\"agent_not_found\",\"message\":\"Agent not found\"}");
    }

    static Stream<Arguments> invalidAgents() {
        String base = "\"allowed_hostnames\":[\"example.com\"],\"max_concurrency\":3,\"max_session_seconds\":900";
        return Stream.of(
                Arguments.of("ok-id", "{\"status\":\"live\"," + base + "}", "status must be 'published' or 'unpublished'"),
                Arguments.of("ok-id", "{" + base + "}", "status must be 'published' or 'unpublished'"),
                Arguments.of("ok-id", "{\"status\":\"published\",\"max_concurrency\":3,\"max_session_seconds\":900}",
                        "allowed_hostnames must be an array of at most 100 hostnames"),
                Arguments.of("ok-id", "{\"status\":\"published\",\"allowed_hostnames\":[\"https://example.com\"],\"max_concurrency\":3,\"max_session_seconds\":900}",
                        "allowed_hostnames entry is not '*' or a hostname with an optional :port"),
                Arguments.of("ok-id", "{\"status\":\"published\",\"allowed_hostnames\":[\"*.example.com\"],\"max_concurrency\":3,\"max_session_seconds\":900}",
                        "allowed_hostnames entry is not '*' or a hostname with an optional :port"),
                Arguments.of("ok-id", "{\"status\":\"published\",\"allowed_hostnames\":[7],\"max_concurrency\":3,\"max_session_seconds\":900}",
                        "allowed_hostnames entries must be strings"),
                Arguments.of("ok-id", "{\"status\":\"published\",\"allowed_hostnames\":[],\"max_concurrency\":0,\"max_session_seconds\":900}",
                        "max_concurrency must be an integer from 1 to 10000"),
                Arguments.of("ok-id", "{\"status\":\"published\",\"allowed_hostnames\":[],\"max_concurrency\":10001,\"max_session_seconds\":900}",
                        "max_concurrency must be an integer from 1 to 10000"),
                Arguments.of("ok-id", "{\"status\":\"published\",\"allowed_hostnames\":[],\"max_concurrency\":\"3\",\"max_session_seconds\":900}",
                        "max_concurrency must be an integer from 1 to 10000"),
                Arguments.of("ok-id", "{\"status\":\"published\",\"allowed_hostnames\":[],\"max_concurrency\":2.5,\"max_session_seconds\":900}",
                        "max_concurrency must be an integer from 1 to 10000"),
                Arguments.of("ok-id", "{\"status\":\"published\",\"allowed_hostnames\":[],\"max_concurrency\":3,\"max_session_seconds\":29}",
                        "max_session_seconds must be an integer from 30 to 86400"),
                Arguments.of("ok-id", "{\"status\":\"published\",\"allowed_hostnames\":[],\"max_concurrency\":3}",
                        "max_session_seconds must be an integer from 30 to 86400"),
                Arguments.of("ok-id", "[1]", "Request body must be a JSON object"),
                Arguments.of("ok-id", "{bad", "Request body is not valid JSON"),
                Arguments.of("bad.id", VALID, "agent_id must be 1 to 64 letters, digits, '-' or '_'"),
                Arguments.of("x".repeat(65), VALID, "agent_id must be 1 to 64 letters, digits, '-' or '_'"));
    }

    @ParameterizedTest
    @MethodSource("invalidAgents")
    void shouldRejectInvalidAgents(String agentId, String body, String message) {
        // given / when
        HttpResponse<String> response = put(agentId, body);

        // then
        assertThat(response.statusCode()).isEqualTo(400);
        assertThat(response.body()).isEqualTo("{\"error_code\":\"invalid_request\",\"message\":\"" + message + "\"}");
        assertThat(api.bean(AgentCatalog.class).find(agentId)).isEmpty();
    }

    @Test
    void shouldEndALiveSessionOnceThenAnswerNotFound() {
        // given
        put("admin-agent-4", VALID);
        HttpResponse<String> connect = api.send(api.connect("{\"agent_id\":\"admin-agent-4\"}", "https://example.com"));
        String sessionId = Json.MAPPER.readTree(connect.body()).get("session_id").asString();

        // when
        HttpResponse<String> end = api.send(api.admin("/v1/sessions/" + sessionId).DELETE());
        HttpResponse<String> again = api.send(api.admin("/v1/sessions/" + sessionId).DELETE());

        // then
        assertThat(end.statusCode()).isEqualTo(204);
        assertThat(again.statusCode()).isEqualTo(404);
        assertThat(again.body()).isEqualTo("{\"error_code\":\"session_not_found\",\"message\":\"Session not found\"}");
        List<ReleaseSession> releases = pipeline.commands().stream()
                .filter(c -> c instanceof ReleaseSession r && r.sessionId().equals(sessionId)).map(ReleaseSession.class::cast).toList();
        assertThat(releases).hasSize(2).allSatisfy(r -> {
            assertThat(r.reason()).isEqualTo(EndReason.END_CALL);
            assertThat(r.agentId()).isEqualTo("admin-agent-4");
            assertThat(r.replyPartition()).isIn(api.bean(ai.ojin.session.connect.reply.ReplyListener.class).ownedPartitions());
        });
    }

    @ParameterizedTest
    @ValueSource(strings = {"not-a-session", "admin-agent-4_TOOSHORT", "admin-agent-4_abcdefghijklmnopqrstuvwxy1"})
    void shouldAnswerSessionNotFoundForTextThatIsNoSessionId(String sessionId) {
        // given / when
        HttpResponse<String> response = api.send(api.admin("/v1/sessions/" + sessionId).DELETE());

        // then
        assertThat(response.statusCode()).isEqualTo(404);
        assertThat(response.body()).isEqualTo("{\"error_code\":\"session_not_found\",\"message\":\"Session not found\"}");
        assertThat(pipeline.commands()).noneMatch(c -> c.sessionId().equals(sessionId));
    }

    private HttpResponse<String> put(String agentId, String body) {
        return api.send(api.admin("/v1/admin/agents/" + agentId).header("Content-Type", "application/json")
                .PUT(HttpRequest.BodyPublishers.ofString(body)));
    }
}
