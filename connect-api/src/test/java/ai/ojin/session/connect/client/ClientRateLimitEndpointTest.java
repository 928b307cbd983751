package ai.ojin.session.connect.client;

import static org.assertj.core.api.Assertions.assertThat;

import ai.ojin.session.connect.support.RunningApi;
import ai.ojin.session.connect.support.ScriptedReplies;
import ai.ojin.session.connect.support.TestPipeline;
import ai.ojin.session.events.command.RequestSession;
import ai.ojin.session.events.json.Json;
import ai.ojin.session.events.topic.SessionTopics;
import ai.ojin.session.testkit.TestKafka;
import java.net.http.HttpResponse;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/** One script holding an agent's slots from outside a browser: the per-client-address limit, over HTTP. */
class ClientRateLimitEndpointTest {

    private static final String SITE = "https://www.example.com";

    @Test
    void shouldAnswer429RateLimitedBeyondTheBurstOfOneClientAndAdmitNothingForIt() throws Exception {
        // given: an instance that lets one address make 3 connects at once, then one every 5 s
        SessionTopics topics = TestKafka.newTopics();
        try (TestPipeline pipeline = TestPipeline.start(topics, new ScriptedReplies());
             RunningApi api = RunningApi.start(topics, Map.of("connect.client-rate", "0.2", "connect.client-burst", "3"))) {
            assertThat(api.putAgent("rl-agent", "published", List.of("www.example.com"), 50).statusCode()).isEqualTo(200);

            // when: the same address connects 5 times
            List<HttpResponse<String>> answers = new java.util.ArrayList<>();
            for (int i = 0; i < 5; i++) {
                answers.add(api.send(api.connect("{\"agent_id\":\"rl-agent\"}", SITE)));
            }

            // then: the burst is admitted, the rest is refused in the documented error shape
            assertThat(answers.subList(0, 3)).allSatisfy(r -> assertThat(r.statusCode()).as(r.body()).isEqualTo(200));
            for (HttpResponse<String> refused : answers.subList(3, 5)) {
                assertThat(refused.statusCode()).isEqualTo(429);
                JsonNode body = Json.MAPPER.readTree(refused.body());
                assertThat(body.get("error_code").asString()).isEqualTo("rate_limited");
                assertThat(body.get("retry_after_seconds").asInt()).isBetween(1, 5);
                assertThat(refused.headers().firstValue("Retry-After")).contains(body.get("retry_after_seconds").asString());
                assertThat(refused.headers().firstValue("Access-Control-Allow-Origin")).contains(SITE);
                assertThat(refused.headers().firstValue("Cache-Control")).contains("no-store");
            }
            // and only the admitted three were ever requested
            assertThat(pipeline.commands().stream().filter(RequestSession.class::isInstance)).hasSize(3);
        }
    }
}
