package ai.ojin.session.connect.session;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import ai.ojin.session.connect.support.RunningApi;
import ai.ojin.session.connect.support.ScriptedReplies;
import ai.ojin.session.connect.support.TestPipeline;
import ai.ojin.session.events.command.RequestSession;
import ai.ojin.session.events.json.Json;
import ai.ojin.session.events.topic.SessionTopics;
import ai.ojin.session.testkit.OpenApiContract;
import ai.ojin.session.testkit.TestKafka;
import io.micrometer.core.instrument.MeterRegistry;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/**
 * Load shedding over HTTP: a pipeline that does not answer (the scripted {@code mute-*} agents)
 * holds this instance's places in flight; the connect beyond {@code connect.max-in-flight} is
 * answered 503 {@code overloaded} at once and writes nothing, and the places come back when the
 * waiting requests are settled.
 */
class OverloadEndpointTest {

    /** The status of an overloaded connect (also counted as covered by {@link ConnectContractTest}). */
    static final int STATUS = 503;
    private static final String SITE = "https://www.example.com";

    @Test
    void shouldAnswer503OverloadedBeyondMaxInFlightWriteNothingForItAndAcceptAgainOnceTheWaitsEnd() throws Exception {
        // given: an instance that lets 2 requests wait for the pipeline, and a pipeline that never answers mute-agent
        SessionTopics topics = TestKafka.newTopics();
        try (TestPipeline pipeline = TestPipeline.start(topics, new ScriptedReplies());
             RunningApi api = RunningApi.start(topics, Map.of("connect.max-in-flight", "2", "connect.reply-timeout", "3s",
                     "connect.thread-wait", "0ms"))) {
            assertThat(api.putAgent("mute-agent", "published", List.of("www.example.com"), 50).statusCode()).isEqualTo(200);
            assertThat(api.putAgent("ok-agent", "published", List.of("www.example.com"), 50).statusCode()).isEqualTo(200);
            ConnectService service = api.bean(ConnectService.class);
            String keyedBody = "{\"agent_id\":\"mute-agent\",\"client_user_ref\":\"keyed\"}";
            CompletableFuture<HttpResponse<String>> plain = api.http().sendAsync(
                    api.connect("{\"agent_id\":\"mute-agent\"}", SITE).build(), HttpResponse.BodyHandlers.ofString());
            CompletableFuture<HttpResponse<String>> keyed = api.http().sendAsync(
                    api.connect(keyedBody, SITE).header("Idempotency-Key", "k-1").build(), HttpResponse.BodyHandlers.ofString());
            await().atMost(Duration.ofSeconds(2)).until(() -> service.inFlight() == 2);

            // when: a third connect comes, and a retry of the keyed one (same key, same body)
            HttpResponse<String> refused = api.send(api.connect("{\"agent_id\":\"ok-agent\"}", SITE));
            CompletableFuture<HttpResponse<String>> retry = api.http().sendAsync(
                    api.connect(keyedBody, SITE).header("Idempotency-Key", "k-1").build(), HttpResponse.BodyHandlers.ofString());

            // then: the third is refused at once in the error shape, with when to retry
            assertThat(refused.statusCode()).isEqualTo(STATUS);
            assertThat(OpenApiContract.checkedIn().violations("/v1/public/agents/connect", "post", refused)).isEmpty();
            JsonNode body = Json.MAPPER.readTree(refused.body());
            assertThat(body.get("error_code").asString()).isEqualTo("overloaded");
            assertThat(body.get("retry_after_seconds").asInt()).isEqualTo(1);
            assertThat(refused.headers().firstValue("Retry-After")).contains("1");
            assertThat(refused.headers().firstValue("Access-Control-Allow-Origin")).contains(SITE);
            assertThat(refused.headers().firstValue("Cache-Control")).contains("no-store");
            assertThat(api.bean(MeterRegistry.class).get("connect.requests").tag("outcome", "overloaded").timer().count()).isEqualTo(1);
            // and: the retry shares the keyed request in flight instead of being refused
            await().atMost(Duration.ofSeconds(2)).until(() -> service.joinedCount() == 1);
            assertThat(retry).isNotDone();
            // and: only the two waiting requests were ever written
            assertThat(pipeline.commands().stream().filter(RequestSession.class::isInstance).map(c -> ((RequestSession) c).agentId()))
                    .containsExactly("mute-agent", "mute-agent");

            // when: their waits end (no reply in time)
            assertThat(plain.get().statusCode()).isEqualTo(500);
            assertThat(keyed.get().statusCode()).isEqualTo(500);
            assertThat(retry.get().statusCode()).isEqualTo(500);

            // then: the places are given back and a connect is accepted again
            assertThat(service.inFlight()).isZero();
            HttpResponse<String> accepted = api.send(api.connect("{\"agent_id\":\"ok-agent\"}", SITE));
            assertThat(accepted.statusCode()).as(accepted.body()).isEqualTo(200);
            assertThat(accepted.body()).contains(ScriptedReplies.roomUrl(Json.MAPPER.readTree(accepted.body()).get("session_id").asString()));
        }
    }
}
