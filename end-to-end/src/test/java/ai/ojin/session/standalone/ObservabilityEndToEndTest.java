package ai.ojin.session.standalone;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import ai.ojin.session.testkit.TestKafka;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.sdk.trace.data.SpanData;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * One connect followed across the services by its trace id (the caller's own {@code traceparent}),
 * and {@code /actuator/prometheus} on every HTTP service, without a token, with the named metrics.
 */
@ExtendWith(SharedStack.class)
class ObservabilityEndToEndTest {

    private static final String SITE = "https://obs.example.com";
    private static Stack stack;

    @BeforeAll
    static void useSharedStack(Stack shared) {
        stack = shared;
    }

    @Test
    void shouldFollowOneConnectFromTheApiThroughTheProcessorAndTheWorkerToDailyAndTheOrchestrator(TestInfo test) {
        // given: an agent, and a caller that starts a trace of its own
        String agentId = TestKafka.uniqueId("trace");
        stack.putAgent(agentId, "published", List.of("obs.example.com"), 2, 600);
        String traceId = hex(32);
        String callerSpan = hex(16);

        // when
        HttpResponse<String> response = stack.send(HttpRequest.newBuilder(
                        URI.create(stack.connectUrl("/v1/public/agents/connect")))
                .header("Content-Type", "application/json")
                .header("Origin", SITE)
                .header("traceparent", "00-" + traceId + "-" + callerSpan + "-01")
                .timeout(Duration.ofSeconds(30))
                .POST(HttpRequest.BodyPublishers.ofString("{\"agent_id\":\"" + agentId + "\"}")));

        // then: the connect succeeded, and the spans of all three services on its path share its trace id
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        await("spans of the connect's trace").atMost(Duration.ofSeconds(20)).untilAsserted(() -> {
            List<SpanData> spans = CollectedSpans.ofTrace(traceId);
            Map<String, List<String>> byService = spans.stream().collect(Collectors.groupingBy(CollectedSpans::service,
                    Collectors.mapping(span -> span.getKind() + " " + span.getName(), Collectors.toList())));
            assertThat(byService).as("spans by service").containsKeys("connect-api", "session-processor", "room-worker");
            // the API's server span continues the caller's, its send of the request is a child
            assertThat(spans).anySatisfy(span -> {
                assertThat(CollectedSpans.service(span)).isEqualTo("connect-api");
                assertThat(span.getKind()).isEqualTo(SpanKind.SERVER);
                assertThat(span.getParentSpanId()).isEqualTo(callerSpan);
            });
            assertThat(byService.get("connect-api")).anyMatch(name -> name.startsWith("PRODUCER"));
            // the processor's span, then the worker's job, the Daily and orchestrator calls and its writes
            assertThat(byService.get("session-processor")).contains("CONSUMER session-commands process");
            assertThat(byService.get("room-worker")).contains("CLIENT daily create_room", "CLIENT daily mint_token",
                    "CLIENT orchestrator start_bot");
            assertThat(byService.get("room-worker")).anyMatch(name -> name.startsWith("CONSUMER"));
            assertThat(byService.get("room-worker")).filteredOn(name -> name.startsWith("PRODUCER")).hasSizeGreaterThanOrEqualTo(2);
            // one connected tree: every span's parent is in the trace, except the API's (the caller's span)
            Map<String, SpanData> byId = new HashMap<>();
            spans.forEach(span -> byId.put(span.getSpanId(), span));
            assertThat(spans).allSatisfy(span -> assertThat(byId.containsKey(span.getParentSpanId())
                    || span.getParentSpanId().equals(callerSpan)).as(span.toString()).isTrue());
        });
    }

    @Test
    void shouldAnswerPrometheusWithoutATokenOnEveryServiceWithTheNamedMetrics() {
        // given: at least one connect went through the stack
        String agentId = TestKafka.uniqueId("prom");
        stack.putAgent(agentId, "published", List.of("obs.example.com"), 1, 600);
        assertThat(stack.connect(agentId, null, SITE).statusCode()).isEqualTo(200);
        assertThat(stack.connect(agentId, null, SITE).statusCode()).isEqualTo(429);
        // and Daily's verification ping reached the webhook
        assertThat(stack.send(HttpRequest.newBuilder(URI.create(stack.workerUrl("/v1/webhooks/daily")))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"test\":\"test\"}"))).statusCode()).isEqualTo(200);

        // when / then
        await("metrics").atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
            assertThat(scrape(stack.connectUrl("/actuator/prometheus"))).contains(
                    "connect_requests_seconds_bucket{outcome=\"ok\"",
                    "connect_requests_seconds_count{outcome=\"concurrency_limit\"}",
                    "kafka_producer_", "kafka_consumer_", "http_server_requests_seconds");
            assertThat(scrape(stack.workerUrl("/actuator/prometheus"))).contains(
                    "room_http_calls_seconds_bucket{api=\"daily\"", "operation=\"create_room\"",
                    "room_http_calls_seconds_count{api=\"orchestrator\",operation=\"start_bot\",outcome=\"2xx\"}",
                    "room_jobs_in_flight{kind=\"setup\"}", "room_webhooks_total{outcome=\"ping\",type=\"none\"}", "room_jobs_seconds_count", "kafka_consumer_", "kafka_producer_");
            assertThat(scrape(stack.historyUrl("/actuator/prometheus"))).contains(
                    "call_history_write_lag_seconds_bucket", "call_history_last_write_age_seconds", "kafka_consumer_");
        });
        // and the rest of actuator still needs the admin token
        HttpResponse<String> metrics = stack.send(HttpRequest.newBuilder(URI.create(stack.connectUrl("/actuator/metrics"))));
        assertThat(metrics.statusCode()).isEqualTo(401);
    }

    private static String scrape(String url) {
        HttpResponse<String> response = stack.send(HttpRequest.newBuilder(URI.create(url)).GET());
        assertThat(response.statusCode()).as(url).isEqualTo(200);
        return response.body();
    }

    private static String hex(int digits) {
        StringBuilder hex = new StringBuilder();
        while (hex.length() < digits) {
            hex.append(Long.toHexString(ThreadLocalRandom.current().nextLong() | Long.MIN_VALUE));
        }
        return hex.substring(0, digits);
    }
}
