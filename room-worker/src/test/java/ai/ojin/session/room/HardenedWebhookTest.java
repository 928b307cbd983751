package ai.ojin.session.room;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import ai.ojin.session.events.SessionIds;
import ai.ojin.session.events.command.ReleaseSession;
import ai.ojin.session.room.webhook.WebhookSignature;
import java.io.ByteArrayInputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.ArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * Hostile calls of the webhook and the worker's other HTTP endpoints, over real HTTP, against one
 * worker for the class (this deployment's room prefix {@code dep-a-}); each test uses sessions of
 * its own.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class HardenedWebhookTest {

    private static final Duration WAIT = Duration.ofSeconds(60);
    private static final String PREFIX = "dep-a-";
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    private WorkerHarness worker;

    @BeforeAll
    void startWorker() {
        worker = new WorkerHarness(Map.of("room.daily.room-name-prefix", PREFIX));
    }

    @AfterAll
    void stopWorker() throws Exception {
        worker.close();
    }

    @Test
    void shouldRefuseBodiesOver64KiBBeforeReadingThemWithLengthOrChunked() throws Exception {
        {
            // given: 8 MiB, unsigned
            byte[] huge = ("{\"type\":\"meeting.ended\",\"pad\":\"" + "x".repeat(8 * 1024 * 1024) + "\"}")
                    .getBytes(StandardCharsets.UTF_8);

            // when
            HttpResponse<String> withLength = http.send(webhook(worker).POST(HttpRequest.BodyPublishers.ofByteArray(huge))
                    .build(), HttpResponse.BodyHandlers.ofString());
            HttpResponse<String> chunked = http.send(webhook(worker).POST(HttpRequest.BodyPublishers.ofInputStream(
                    () -> new ByteArrayInputStream(huge, 0, 70 * 1024))).build(), HttpResponse.BodyHandlers.ofString());

            // then
            for (HttpResponse<String> response : List.of(withLength, chunked)) {
                assertThat(response.statusCode()).isEqualTo(413);
                assertThat(response.body()).isEqualTo(
                        "{\"error_code\":\"payload_too_large\",\"message\":\"Request body is larger than 65536 bytes\"}");
            }
        }
    }

    @Test
    void shouldAnswer401ToMalformedOrOutOfRangeTimestamps() throws Exception {
        {
            String body = meetingEnded("evt-t", SessionIds.newSessionId("agent-ts"));
            for (String timestamp : List.of("-9223372036854775808", "9223372036854775807", "-1", "+5", "1e9",
                    "99999999999999999999", " ", "12:00")) {
                // given: a signature that is right for that timestamp
                String signature = signer(worker).signature(timestamp, body.getBytes(StandardCharsets.UTF_8));

                // when
                HttpResponse<String> response = http.send(webhook(worker).header("X-Webhook-Timestamp", timestamp)
                        .header("X-Webhook-Signature", signature).POST(HttpRequest.BodyPublishers.ofString(body)).build(),
                        HttpResponse.BodyHandlers.ofString());

                // then
                assertThat(response.statusCode()).as(timestamp).isEqualTo(401);
                assertThat(response.body()).as(timestamp).contains("\"error_code\":\"auth_failed\"");
            }
        }
    }

    @Test
    void shouldTakeOnlyATinyUnsignedBodyAsTheVerificationPingAndCheckTheSignatureBeforeParsing() throws Exception {
        {
            // given: an unsigned JSON object without a type, bigger than a ping
            String unsignedObject = "{\"test\":\"" + "x".repeat(1000) + "\"}";

            // when
            HttpResponse<String> ping = post(worker, "{\"test\":\"test\"}");
            HttpResponse<String> big = post(worker, unsignedObject);

            // then
            assertThat(ping.statusCode()).isEqualTo(200);
            assertThat(big.statusCode()).isEqualTo(401);
            assertThat(big.body()).isEqualTo("{\"error_code\":\"auth_failed\",\"message\":\"webhook signature is missing, invalid or stale\"}");
        }
    }

    @Test
    void shouldReleaseOnlySessionsWhoseRoomCarriesThisDeploymentsPrefix() throws Exception {
        {
            // given
            String other = SessionIds.newSessionId("agent-pfx");
            String unmarked = SessionIds.newSessionId("agent-pfx");
            String ours = SessionIds.newSessionId("agent-pfx");

            // when
            for (String[] call : new String[][] {{"e1", "dep-b-" + other}, {"e2", unmarked}, {"e3", "dep-a-" + ours}}) {
                String body = meetingEnded(call[0], call[1]);
                assertThat(post(worker, body, signed(worker, body)).statusCode()).isEqualTo(200);
            }

            // then
            await().atMost(WAIT).until(() -> !worker.commandsFor(ours).isEmpty());
            assertThat(worker.commandsFor(ours)).singleElement().isInstanceOfSatisfying(ReleaseSession.class,
                    release -> assertThat(release.sessionId()).isEqualTo(ours));
            assertThat(worker.commandsFor(other)).isEmpty();
            assertThat(worker.commandsFor(unmarked)).isEmpty();
        }
    }

    @Test
    void shouldActOnceOnParallelCopiesOfOneEvent() throws Exception {
        // given: one signed meeting.ended of a session of ours, delivered 20 times at once
        String session = SessionIds.newSessionId("agent-dup");
        String body = meetingEnded("evt-" + session, PREFIX + session);
        String[] headers = signed(worker, body);
        ExecutorService pool = Executors.newFixedThreadPool(20);
        CountDownLatch start = new CountDownLatch(1);
        List<Future<HttpResponse<String>>> answers = new ArrayList<>();
        try {
            for (int i = 0; i < 20; i++) {
                answers.add(pool.submit(() -> {
                    start.await();
                    return post(worker, body, headers);
                }));
            }

            // when
            start.countDown();

            // then: every copy is answered 200, and one command is written
            for (Future<HttpResponse<String>> answer : answers) {
                assertThat(answer.get(30, TimeUnit.SECONDS).statusCode()).isEqualTo(200);
            }
        } finally {
            pool.shutdownNow();
        }
        await().atMost(WAIT).until(() -> !worker.commandsFor(session).isEmpty());
        String marker = SessionIds.newSessionId("agent-dup");
        String after = meetingEnded("evt-" + marker, PREFIX + marker);
        assertThat(post(worker, after, signed(worker, after)).statusCode()).isEqualTo(200);
        await().atMost(WAIT).until(() -> !worker.commandsFor(marker).isEmpty());
        assertThat(worker.commandsFor(session)).hasSize(1);
    }

    @Test
    void shouldServeOnlyHealthOfTheActuator() throws Exception {
        {
            assertThat(get(worker, "/actuator/health").statusCode()).isEqualTo(200);
            for (String path : List.of("/actuator/metrics", "/actuator/env", "/actuator/info", "/actuator/beans")) {
                assertThat(get(worker, path).statusCode()).as(path).isEqualTo(401);
            }
        }
    }

    private HttpRequest.Builder webhook(WorkerHarness worker) {
        return HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + worker.port() + "/v1/webhooks/daily"))
                .header("Content-Type", "application/json");
    }

    private HttpResponse<String> get(WorkerHarness worker, String path) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + worker.port() + path)).GET().build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private HttpResponse<String> post(WorkerHarness worker, String body, String... headers) throws Exception {
        HttpRequest.Builder request = webhook(worker).POST(HttpRequest.BodyPublishers.ofString(body));
        if (headers.length > 0) {
            request.headers(headers);
        }
        return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    private static WebhookSignature signer(WorkerHarness worker) {
        return new WebhookSignature(worker.webhookSecret, Duration.ofMinutes(5), Clock.systemUTC());
    }

    private static String[] signed(WorkerHarness worker, String body) {
        String timestamp = String.valueOf(Instant.now().getEpochSecond());
        return new String[] {"X-Webhook-Timestamp", timestamp, "X-Webhook-Signature",
                signer(worker).signature(timestamp, body.getBytes(StandardCharsets.UTF_8))};
    }

    private static String meetingEnded(String id, String room) {
        return "{\"version\":\"1.0.0\",\"type\":\"meeting.ended\",\"id\":\"" + id + "\",\"payload\":{\"start_ts\":1,"
                + "\"end_ts\":2,\"meeting_id\":\"m-1\",\"room\":\"" + room + "\"},\"event_ts\":2}";
    }
}
