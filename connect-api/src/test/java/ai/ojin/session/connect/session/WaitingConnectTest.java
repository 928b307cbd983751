package ai.ojin.session.connect.session;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import ai.ojin.session.connect.reply.PendingReplies;
import ai.ojin.session.connect.reply.ReplyListener;
import ai.ojin.session.connect.support.RunningApi;
import ai.ojin.session.connect.support.ScriptedReplies;
import ai.ojin.session.connect.support.TestPipeline;
import ai.ojin.session.connect.config.ReplyInstance;
import ai.ojin.session.events.command.EndReason;
import ai.ojin.session.events.command.IdempotencyKeys;
import ai.ojin.session.events.command.ReleaseSession;
import ai.ojin.session.events.command.RequestSession;
import ai.ojin.session.events.json.Json;
import ai.ojin.session.events.reply.ErrorCode;
import ai.ojin.session.events.reply.SessionReply;
import ai.ojin.session.events.topic.SessionTopics;
import ai.ojin.session.testkit.TestKafka;
import io.micrometer.core.instrument.MeterRegistry;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * The opt-in line ({@code Prefer: wait=N}), safe retries ({@code Idempotency-Key}) and clients that
 * go away while they wait, over real HTTP against a scripted pipeline on the real broker. Replies
 * to {@code mute-*} agents are written by hand, as the processor and worker would.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class WaitingConnectTest {

    private static final String SITE = "https://www.example.com";
    private static final Duration REPLY_TIMEOUT = Duration.ofSeconds(3);
    private static final Duration WAIT = Duration.ofSeconds(30);

    private TestPipeline pipeline;
    private RunningApi api;

    @BeforeAll
    void start() {
        SessionTopics topics = TestKafka.newTopics();
        pipeline = TestPipeline.start(topics, new ScriptedReplies());
        api = RunningApi.start(topics, Map.of("connect.reply-timeout", REPLY_TIMEOUT.toMillis() + "ms",
                "connect.max-wait", "20s", "connect.client-check-interval", "200ms", "connect.idempotency-window", "7m"));
        for (String agent : List.of("ok-agent", "mute-agent", "reused-agent", "ended-agent")) {
            assertThat(api.putAgent(agent, "published", List.of("www.example.com"), 5).statusCode()).isEqualTo(200);
        }
    }

    @AfterAll
    void stop() throws InterruptedException {
        api.close();
        pipeline.close();
    }

    @Test
    void shouldHoldAWaitingConnectBeyondTheReplyTimeoutAndAnswerItWhenItsReplyComes() throws Exception {
        // given: a connect that may wait 10 s in the line (the reply timeout is 3 s)
        Instant before = Instant.now();
        CompletableFuture<HttpResponse<String>> response = sendAsync(api.connect("{\"agent_id\":\"mute-agent\",\"client_user_ref\":\"w-1\"}", SITE)
                .header("Prefer", "respond-async, wait=10"));
        RequestSession request = requestOf("w-1");

        // when: the reply comes after the reply timeout
        await().pollDelay(REPLY_TIMEOUT.plusSeconds(1)).atMost(WAIT).until(() -> true);
        assertThat(response).isNotDone();
        pipeline.reply(request.replyPartition(), SessionReply.success(request.sessionId(), ScriptedReplies.roomUrl(request.sessionId()),
                ScriptedReplies.token(request.sessionId()), request.instanceId()));

        // then: the request waited in the line and got its session, with the wait applied
        HttpResponse<String> answer = response.get();
        assertThat(answer.statusCode()).as(answer.body()).isEqualTo(200);
        assertThat(Json.MAPPER.readTree(answer.body()).get("session_id").asString()).isEqualTo(request.sessionId());
        assertThat(answer.headers().firstValue("Preference-Applied")).contains("wait=10");
        assertThat(answer.headers().firstValue("Access-Control-Expose-Headers")).contains("Preference-Applied");
        assertThat(answer.headers().firstValue("Cache-Control")).contains("no-store");
        assertThat(request.waitSeconds()).isEqualTo(10);
        assertThat(request.deadline()).isBetween(before.plusSeconds(10).plus(REPLY_TIMEOUT), Instant.now().plusSeconds(10).plus(REPLY_TIMEOUT));
        assertThat(releasesOf(request.sessionId())).isEmpty();
    }

    @Test
    void shouldCapTheWaitAtTheMaximumAndSayWhatWasApplied() throws Exception {
        // given / when: a wait above connect.max-wait (20 s), quoted, beside an unknown preference
        CompletableFuture<HttpResponse<String>> response = sendAsync(api.connect("{\"agent_id\":\"mute-agent\",\"client_user_ref\":\"w-cap\"}", SITE)
                .header("Prefer", "handling=lenient, WAIT=\"3600\""));
        RequestSession request = requestOf("w-cap");
        pipeline.reply(request.replyPartition(), SessionReply.rejected(request.sessionId(), 4, "Max concurrency reached"));

        // then: 20 s asked of the processor; the rejection after the wait says so too
        HttpResponse<String> answer = response.get();
        assertThat(request.waitSeconds()).isEqualTo(20);
        assertThat(answer.statusCode()).isEqualTo(429);
        assertThat(answer.headers().firstValue("Preference-Applied")).contains("wait=20");
        assertThat(answer.headers().firstValue("Retry-After")).contains("4");
    }

    @Test
    void shouldSendAPlainConnectExactlyAsBeforeWhenThePreferenceIsInvalidOrAbsent() {
        // given / when
        HttpResponse<String> invalid = api.send(api.connect("{\"agent_id\":\"ok-agent\",\"client_user_ref\":\"p-1\"}", SITE)
                .header("Prefer", "wait=soon"));
        HttpResponse<String> plain = api.send(api.connect("{\"agent_id\":\"ok-agent\",\"client_user_ref\":\"p-2\"}", SITE));

        // then: no wait, no key, no Preference-Applied
        for (HttpResponse<String> response : List.of(invalid, plain)) {
            assertThat(response.statusCode()).isEqualTo(200);
            assertThat(response.headers().firstValue("Preference-Applied")).isEmpty();
        }
        for (String ref : List.of("p-1", "p-2")) {
            RequestSession request = requestOf(ref);
            assertThat(request.waitSeconds()).isNull();
            assertThat(request.idempotencyKey()).isNull();
            assertThat(request.requestHash()).isNull();
            assertThat(request.keyUntil()).isNull();
        }
    }

    @Test
    void shouldReleaseThePlainConnectOfAClientThatWentAwayBeforeItsDeadline() throws Exception {
        // given: a connect sent on a raw socket, waiting for a reply that does not come
        try (Socket socket = rawConnect("{\"agent_id\":\"mute-agent\",\"client_user_ref\":\"gone-plain\"}", null)) {
            RequestSession request = requestOf("gone-plain");

            // when: the client closes its connection
            socket.close();

            // then: the session is released as abandoned before its deadline (not by the timeout)
            await().atMost(WAIT).until(() -> !releasesOf(request.sessionId()).isEmpty());
            assertThat(releasesOf(request.sessionId())).singleElement().satisfies(release -> {
                assertThat(release.reason()).isEqualTo(EndReason.ABANDONED);
                assertThat(release.at()).isBefore(request.deadline());
            });
            await().atMost(WAIT).until(() -> api.bean(PendingReplies.class).size() == 0);
        }
    }

    @Test
    void shouldReleaseAWaitingConnectWhoseClientWentAwayAndStopWaitingForIt() throws Exception {
        // given: a connect waiting in the line
        try (Socket socket = rawConnect("{\"agent_id\":\"mute-agent\",\"client_user_ref\":\"gone-wait\"}", "wait=15")) {
            RequestSession request = requestOf("gone-wait");
            assertThat(request.waitSeconds()).isEqualTo(15);

            // when
            socket.close();

            // then: released as abandoned well before its deadline, and a late success is not released again
            await().atMost(WAIT).until(() -> !releasesOf(request.sessionId()).isEmpty());
            ReleaseSession release = releasesOf(request.sessionId()).get(0);
            assertThat(release.reason()).isEqualTo(EndReason.ABANDONED);
            assertThat(release.at()).isBefore(request.deadline().minusSeconds(10));
            MeterRegistry meters = api.bean(MeterRegistry.class);
            assertThat(meters.get("connect.clients.gone").functionCounter().count()).isPositive();
            String marker = "mute-agent_" + "g".repeat(26);
            pipeline.reply(request.replyPartition(), SessionReply.success(request.sessionId(), "https://rooms.test/g", "tok-g", request.instanceId()));
            pipeline.reply(request.replyPartition(), SessionReply.success(marker, "https://rooms.test/m", "tok-m", request.instanceId()));
            await().atMost(WAIT).until(() -> !releasesOf(marker).isEmpty());
            assertThat(releasesOf(request.sessionId())).hasSize(1);
        }
    }

    @Test
    void shouldRefuseAnInvalidIdempotencyKey() {
        // given: too long, and given twice
        List<HttpRequest.Builder> requests = List.of(
                api.connect("{\"agent_id\":\"ok-agent\"}", SITE).header("Idempotency-Key", "k".repeat(256)),
                api.connect("{\"agent_id\":\"ok-agent\"}", SITE).header("Idempotency-Key", "one").header("Idempotency-Key", "two"));

        for (HttpRequest.Builder request : requests) {
            // when
            HttpResponse<String> response = api.send(request);

            // then
            assertThat(response.statusCode()).isEqualTo(400);
            assertThat(response.body()).isEqualTo("{\"error_code\":\"invalid_request\",\"message\":\"" + ConnectController.INVALID_KEY + "\"}");
            assertThat(response.headers().firstValue("Cache-Control")).contains("no-store");
        }
    }

    @Test
    void shouldShareOneRequestBetweenConcurrentConnectsWithTheSameKey() throws Exception {
        // given: a keyed connect in flight
        String body = "{\"agent_id\":\"mute-agent\",\"client_user_ref\":\"twice\"}";
        ConnectService service = api.bean(ConnectService.class);
        long joinedBefore = service.joinedCount();
        Instant before = Instant.now();
        CompletableFuture<HttpResponse<String>> first = sendAsync(api.connect(body, SITE).header("Idempotency-Key", "retry-1"));
        RequestSession request = requestOf("twice");

        // when: the same connect again while the first waits, then the reply
        CompletableFuture<HttpResponse<String>> second = sendAsync(api.connect(body, SITE).header("Idempotency-Key", "retry-1"));
        await().atMost(WAIT).until(() -> service.joinedCount() == joinedBefore + 1);
        pipeline.reply(request.replyPartition(), SessionReply.success(request.sessionId(), ScriptedReplies.roomUrl(request.sessionId()),
                ScriptedReplies.token(request.sessionId()), request.instanceId()));

        // then: one request, carrying the key's and the body's hashes, and both answered with its session
        for (CompletableFuture<HttpResponse<String>> response : List.of(first, second)) {
            HttpResponse<String> answer = response.get();
            assertThat(answer.statusCode()).as(answer.body()).isEqualTo(200);
            assertThat(Json.MAPPER.readTree(answer.body()).get("session_id").asString()).isEqualTo(request.sessionId());
        }
        assertThat(pipeline.commands()).filteredOn(c -> c instanceof RequestSession r && "twice".equals(r.clientUserRef())).hasSize(1);
        assertThat(request.idempotencyKey()).isEqualTo(IdempotencyKeys.keyHash("retry-1"));
        assertThat(request.requestHash()).isEqualTo(IdempotencyKeys.requestHash("mute-agent", "twice"));
        assertThat(request.keyUntil()).isBetween(before.plus(Duration.ofMinutes(7)), Instant.now().plus(Duration.ofMinutes(7)));
        assertThat(request.waitSeconds()).isNull();
        await().atMost(WAIT).until(() -> service.keyedInFlight() == 0);
    }

    @Test
    void shouldKeepWaitingForTheOtherConnectWhenOneOfTwoSharingAKeyGoesAway() throws Exception {
        // given: two connects with the same key sharing one request, one of them on a raw socket
        String body = "{\"agent_id\":\"mute-agent\",\"client_user_ref\":\"shared\"}";
        ConnectService service = api.bean(ConnectService.class);
        MeterRegistry meters = api.bean(MeterRegistry.class);
        long joinedBefore = service.joinedCount();
        double goneBefore = meters.get("connect.clients.gone").functionCounter().count();
        CompletableFuture<HttpResponse<String>> staying = sendAsync(api.connect(body, SITE).header("Idempotency-Key", "shared-1"));
        RequestSession request = requestOf("shared");
        try (Socket leaving = rawConnect(body, null, "shared-1")) {
            await().atMost(WAIT).until(() -> service.joinedCount() == joinedBefore + 1);

            // when: the raw client goes away, then the reply comes
            leaving.close();
            await().atMost(WAIT).until(() -> meters.get("connect.clients.gone").functionCounter().count() > goneBefore);
        }
        pipeline.reply(request.replyPartition(), SessionReply.success(request.sessionId(), ScriptedReplies.roomUrl(request.sessionId()),
                ScriptedReplies.token(request.sessionId()), request.instanceId()));

        // then: the one still there gets the session, which is not released
        HttpResponse<String> answer = staying.get();
        assertThat(answer.statusCode()).as(answer.body()).isEqualTo(200);
        assertThat(Json.MAPPER.readTree(answer.body()).get("session_id").asString()).isEqualTo(request.sessionId());
        assertThat(releasesOf(request.sessionId())).isEmpty();
    }

    @Test
    void shouldAnswerARepeatWithTheOriginalSessionFromItsCorrelatedReply() throws Exception {
        // given: a keyed connect the processor takes for a repeat of an earlier session
        String original = "mute-agent_" + "o".repeat(26);
        CompletableFuture<HttpResponse<String>> response = sendAsync(api.connect("{\"agent_id\":\"mute-agent\",\"client_user_ref\":\"repeat\"}", SITE)
                .header("Idempotency-Key", "retry-2"));
        RequestSession request = requestOf("repeat");

        // when: the answer names the original session, correlated to the repeat's id
        pipeline.reply(request.replyPartition(), SessionReply.success(original, ScriptedReplies.roomUrl(original),
                ScriptedReplies.token(original), request.instanceId()).correlatedTo(request.sessionId()));

        // then
        HttpResponse<String> answer = response.get();
        assertThat(answer.statusCode()).as(answer.body()).isEqualTo(200);
        assertThat(answer.body()).isEqualTo("{\"session_id\":\"" + original + "\",\"room_url\":\"" + ScriptedReplies.roomUrl(original)
                + "\",\"token\":\"" + ScriptedReplies.token(original) + "\"}");
    }

    @Test
    void shouldAnswerAReusedKeyAndAnEndedSessionWithTheirDocumentedErrors() {
        // given / when
        HttpResponse<String> reused = api.send(api.connect("{\"agent_id\":\"reused-agent\"}", SITE).header("Idempotency-Key", "k-1"));
        HttpResponse<String> ended = api.send(api.connect("{\"agent_id\":\"ended-agent\"}", SITE).header("Idempotency-Key", "k-2"));

        // then
        assertThat(reused.statusCode()).isEqualTo(ErrorCode.IDEMPOTENCY_KEY_REUSED.httpStatus()).isEqualTo(422);
        assertThat(reused.body()).isEqualTo("{\"error_code\":\"idempotency_key_reused\","
                + "\"message\":\"This Idempotency-Key was already used with a different request body\"}");
        assertThat(ended.statusCode()).isEqualTo(409);
        assertThat(ended.body()).isEqualTo("{\"error_code\":\"session_ended\","
                + "\"message\":\"The session of this Idempotency-Key has ended; use a new key\"}");
    }

    @Test
    void shouldNeverReleaseACorrelatedSuccessNobodyWaitsFor() throws Exception {
        // given: this instance's reply partition and name
        int partition = api.bean(ReplyListener.class).ownedPartitions().iterator().next();
        String instanceId = api.bean(ReplyInstance.class).id();
        String original = "mute-agent_" + "c".repeat(26);
        String marker = "mute-agent_" + "k".repeat(26);

        // when: a repeat's success (correlated) that no request waits for, then a plain one as a marker
        pipeline.reply(partition, SessionReply.success(original, "https://rooms.test/c", "tok-c", instanceId)
                .correlatedTo("mute-agent_" + "r".repeat(26)));
        pipeline.reply(partition, SessionReply.success(marker, "https://rooms.test/k", "tok-k", instanceId));

        // then: only the marker is released
        await().atMost(WAIT).until(() -> !releasesOf(marker).isEmpty());
        assertThat(releasesOf(original)).isEmpty();
        assertThat(api.bean(MeterRegistry.class).counter("connect.replies.unclaimed", "outcome", "repeat").count()).isPositive();
    }

    private CompletableFuture<HttpResponse<String>> sendAsync(HttpRequest.Builder request) {
        return api.http().sendAsync(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    private RequestSession requestOf(String clientUserRef) {
        await().atMost(WAIT).until(() -> pipeline.commands().stream()
                .anyMatch(c -> c instanceof RequestSession r && clientUserRef.equals(r.clientUserRef())));
        return pipeline.commands().stream().filter(RequestSession.class::isInstance).map(RequestSession.class::cast)
                .filter(r -> clientUserRef.equals(r.clientUserRef())).findFirst().orElseThrow();
    }

    private List<ReleaseSession> releasesOf(String sessionId) {
        return pipeline.commands().stream().filter(ReleaseSession.class::isInstance).map(ReleaseSession.class::cast)
                .filter(r -> r.sessionId().equals(sessionId)).toList();
    }

    /** A connect written on a raw socket (the test closes it to go away). */
    private Socket rawConnect(String json, String prefer) throws IOException {
        return rawConnect(json, prefer, null);
    }

    private Socket rawConnect(String json, String prefer, String idempotencyKey) throws IOException {
        Socket socket = new Socket();
        socket.connect(new InetSocketAddress("127.0.0.1", api.port()), 10_000);
        byte[] body = json.getBytes(StandardCharsets.UTF_8);
        String head = "POST /v1/public/agents/connect HTTP/1.1\r\nHost: 127.0.0.1:" + api.port() + "\r\nOrigin: " + SITE
                + "\r\nContent-Type: application/json\r\nContent-Length: " + body.length + "\r\n"
                + (prefer == null ? "" : "Prefer: " + prefer + "\r\n")
                + (idempotencyKey == null ? "" : "Idempotency-Key: " + idempotencyKey + "\r\n") + "\r\n";
        OutputStream out = socket.getOutputStream();
        out.write(head.getBytes(StandardCharsets.US_ASCII));
        out.write(body);
        out.flush();
        return socket;
    }
}
