package ai.ojin.session.connect.session;

import static org.assertj.core.api.Assertions.assertThat;

import ai.ojin.session.connect.support.RunningApi;
import ai.ojin.session.connect.support.ScriptedReplies;
import ai.ojin.session.connect.support.TestPipeline;
import ai.ojin.session.events.json.Json;
import ai.ojin.session.events.topic.SessionTopics;
import ai.ojin.session.testkit.TestKafka;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import tools.jackson.databind.JsonNode;

/** Hostile input and secrets at the HTTP edge of connect-api, over real HTTP on the real broker. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class HardenedConnectTest {

    private static final String SITE = "https://www.example.com";

    private TestPipeline pipeline;
    private RunningApi api;

    @BeforeAll
    void start() {
        SessionTopics topics = TestKafka.newTopics();
        pipeline = TestPipeline.start(topics, new ScriptedReplies());
        api = RunningApi.start(topics, Map.of());
        assertThat(api.putAgent("ok-agent", "published", List.of("www.example.com"), 50).statusCode()).isEqualTo(200);
    }

    @AfterAll
    void stop() throws InterruptedException {
        api.close();
        pipeline.close();
    }

    @Test
    void shouldRefuseClientUserRefsWithControlFormatOrSeparatorCharactersOrUnpairedSurrogates() {
        // given: JSON escapes of NUL, a C0 control, DEL, a lone high and a lone low surrogate, a C1
        // control (NEL), a right-to-left override, a line separator, a byte order mark, a zero-width space
        List<String> refs = List.of("a\\u0000b", "tab\\u0009", "del\\u007f", "x\\ud800", "\\udc00y", "\\udc00\\ud800",
                "nel\\u0085", "user\\u202Eexe.txt", "line\\u2028two", "\\uFEFFbom", "zero\\u200Bwidth");
        for (String ref : refs) {
            // when
            HttpResponse<String> response = api.send(api.connect(
                    "{\"agent_id\":\"ok-agent\",\"client_user_ref\":\"" + ref + "\"}", SITE));

            // then
            assertThat(response.statusCode()).as(ref).isEqualTo(400);
            JsonNode body = Json.MAPPER.readTree(response.body());
            assertThat(body.get("error_code").asString()).as(ref).isEqualTo("invalid_request");
            assertThat(body.get("message").asString()).contains("client_user_ref");
        }
        // and: a properly paired surrogate (an emoji) and plain text are fine
        assertThat(api.send(api.connect("{\"agent_id\":\"ok-agent\",\"client_user_ref\":\"\\ud83d\\ude00 user\"}", SITE))
                .statusCode()).isEqualTo(200);
    }

    @Test
    void shouldMarkEveryConnectAnswerNoStore() {
        // when
        HttpResponse<String> success = api.send(api.connect("{\"agent_id\":\"ok-agent\",\"client_user_ref\":\"u\"}", SITE));
        HttpResponse<String> error = api.send(api.connect("{\"agent_id\":\"\"}", SITE));

        // then
        assertThat(success.statusCode()).isEqualTo(200);
        assertThat(success.body()).contains("\"token\"");
        assertThat(success.headers().firstValue("Cache-Control")).contains("no-store");
        assertThat(error.statusCode()).isEqualTo(400);
        assertThat(error.headers().firstValue("Cache-Control")).contains("no-store");
    }

    @Test
    void shouldLimitAdminBodiesTo64KiBAndOtherBodiesToTheirOwnLimit() {
        // given: 20 KiB is over the connect limit but within the admin one
        String hosts = "\"h.example.com\",".repeat(1200);
        String twentyKiB = "{\"status\":\"published\",\"allowed_hostnames\":[" + hosts + "\"x.example.com\"],"
                + "\"max_concurrency\":1,\"max_session_seconds\":60}";
        String seventyKiB = "{\"pad\":\"" + "x".repeat(70 * 1024) + "\"}";

        // when
        HttpResponse<String> within = api.send(api.admin("/v1/admin/agents/big-agent").header("Content-Type", "application/json")
                .PUT(HttpRequest.BodyPublishers.ofString(twentyKiB)));
        HttpResponse<String> over = api.send(api.admin("/v1/admin/agents/big-agent").header("Content-Type", "application/json")
                .PUT(HttpRequest.BodyPublishers.ofString(seventyKiB)));
        HttpResponse<String> unauthenticatedOver = api.send(api.request("/v1/admin/agents/big-agent")
                .header("Content-Type", "application/json").PUT(HttpRequest.BodyPublishers.ofString(seventyKiB)));

        // then
        assertThat(twentyKiB.length()).isGreaterThan(16 * 1024);
        assertThat(within.statusCode()).as(within.body()).isNotEqualTo(413);
        assertThat(over.statusCode()).isEqualTo(413);
        assertThat(over.body()).isEqualTo("{\"error_code\":\"payload_too_large\",\"message\":\"Request body is larger than 65536 bytes\"}");
        assertThat(unauthenticatedOver.statusCode()).isEqualTo(401);
    }

    @Test
    void shouldServeHealthPubliclyAndEveryOtherActuatorEndpointOnlyWithTheAdminToken() {
        // when / then
        assertThat(api.send(api.request("/actuator/health/liveness").GET()).statusCode()).isEqualTo(200);
        for (String path : List.of("/actuator/metrics", "/actuator/info", "/actuator/env", "/actuator")) {
            HttpResponse<String> anonymous = api.send(api.request(path).GET());
            assertThat(anonymous.statusCode()).as(path).isEqualTo(401);
            assertThat(anonymous.body()).as(path).contains("\"error_code\":\"unauthorized\"");
        }
        assertThat(api.send(api.admin("/actuator/metrics").GET()).statusCode()).isEqualTo(200);
        assertThat(api.send(api.admin("/actuator/env").GET()).statusCode()).isEqualTo(404);
    }
}
