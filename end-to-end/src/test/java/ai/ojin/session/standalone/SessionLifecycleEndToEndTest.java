package ai.ojin.session.standalone;

import static ai.ojin.session.standalone.Stack.assertError;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import ai.ojin.session.events.history.CallRecord;
import ai.ojin.session.testkit.TestKafka;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;
import tools.jackson.databind.JsonNode;

/**
 * Every way a session ends frees its slot once and leaves nothing at Daily or the orchestrator:
 * a signed {@code meeting.ended} webhook, the end-session call and lease expiry of a joined session; and the ended
 * calls show up in call history. Black-box over HTTP against the standalone stack.
 */
class SessionLifecycleEndToEndTest {

    private static final String WEBHOOK_SECRET = Base64.getEncoder().encodeToString("e2e-webhook-secret".getBytes(StandardCharsets.UTF_8));
    private static Stack stack;

    @BeforeAll
    static void startStack() {
        stack = new Stack(Map.of(
                "DAILY_WEBHOOK_HMAC", WEBHOOK_SECRET,
                "processor.lease.grace", "0s",
                "processor.lease.punctuate-interval", "200ms"));
    }

    @AfterAll
    static void stopStack() {
        if (stack != null) {
            stack.close();
        }
    }

    private static String newAgent(TestInfo test, int maxSessionSeconds) {
        String agentId = TestKafka.uniqueId(test.getTestMethod().orElseThrow().getName().substring(0, 20));
        stack.putAgent(agentId, "published", List.of("*"), 1, maxSessionSeconds);
        return agentId;
    }

    @Test
    void shouldFreeTheSlotOnASignedMeetingEndedWebhookAndIgnoreForgeries(TestInfo test) {
        // given
        String agentId = newAgent(test, 600);
        String sessionId = sessionOf(stack.connect(agentId, null, null));
        assertError(stack.connect(agentId, null, null), 429, "concurrency_limit");
        String body = "{\"version\":\"1.0.0\",\"type\":\"meeting.ended\",\"id\":\"evt-" + sessionId + "\",\"event_ts\":"
                + Instant.now().getEpochSecond() + ",\"payload\":{\"room\":\"" + sessionId + "\",\"meeting_id\":\"m1\"}}";

        // when a forged webhook arrives, nothing changes
        HttpResponse<String> forged = webhook(body, Instant.now().getEpochSecond(), "Zm9yZ2Vk");
        assertThat(forged.statusCode()).isEqualTo(401);
        assertError(stack.connect(agentId, null, null), 429, "concurrency_limit");

        // when the signed one arrives (twice)
        long now = Instant.now().getEpochSecond();
        assertThat(webhook(body, now, sign(now, body)).statusCode()).isEqualTo(200);
        assertThat(webhook(body, now, sign(now, body)).statusCode()).isEqualTo(200);

        // then the room is closed, the bot gone and the slot free; the room is deleted afterwards
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
            assertThat(stack.daily.openRoomNames()).doesNotContain(sessionId);
            assertThat(stack.orchestrator.liveSessions()).doesNotContain(sessionId);
        });
        assertThat(stack.connect(agentId, null, null).statusCode()).isEqualTo(200);
        await().atMost(Duration.ofSeconds(30)).until(() -> !stack.daily.liveRoomNames().contains(sessionId));
    }

    @Test
    void shouldFreeTheSlotOnTheEndSessionCallOnce(TestInfo test) {
        // given
        String agentId = newAgent(test, 600);
        String sessionId = sessionOf(stack.connect(agentId, null, null));

        // when
        HttpResponse<String> ended = stack.endSession(sessionId);
        HttpResponse<String> again = stack.endSession(sessionId);

        // then
        assertThat(ended.statusCode()).isEqualTo(204);
        assertError(again, 404, "session_not_found");
        assertThat(stack.connect(agentId, null, null).statusCode()).isEqualTo(200);
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
            assertThat(stack.daily.openRoomNames()).doesNotContain(sessionId);
            assertThat(stack.orchestrator.liveSessions()).doesNotContain(sessionId);
        });
        await().atMost(Duration.ofSeconds(30)).until(() -> !stack.daily.liveRoomNames().contains(sessionId));
        assertThat(stack.send(HttpRequest.newBuilder(URI.create(stack.connectUrl("/v1/sessions/" + sessionId))).DELETE())
                .statusCode()).isEqualTo(401);
    }

    @Test
    void shouldFreeTheSlotWhenTheLeaseExpires(TestInfo test) {
        // given a session of the shortest allowed length whose user joined (so the join lease is over), never released
        String agentId = newAgent(test, 30);
        HttpResponse<String> connected = stack.connect(agentId, null, null);
        String sessionId = sessionOf(connected);
        stack.userJoins(sessionId, Stack.json(connected).get("token").asString(), "p-user");
        assertError(stack.connect(agentId, null, null), 429, "concurrency_limit");

        // when its lease runs out, then the slot comes back and the room (closed, then deleted) and bot are torn down
        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofSeconds(1)).untilAsserted(() ->
                assertThat(stack.daily.liveRoomNames()).doesNotContain(sessionId));
        assertThat(stack.daily.requestCount("POST", "/v1/rooms/" + sessionId)).as("closed first").isPositive();
        assertThat(stack.orchestrator.liveSessions()).doesNotContain(sessionId);
        assertThat(stack.connect(agentId, null, null).statusCode()).isEqualTo(200);
    }

    @Test
    void shouldRecordAnEndedAndARejectedCallInCallHistory(TestInfo test) {
        // given
        String agentId = newAgent(test, 600);
        String user = TestKafka.uniqueId("user");
        String admitted = sessionOf(stack.connect(agentId, user, null));
        HttpResponse<String> rejected = stack.connect(agentId, user, null);
        assertError(rejected, 429, "concurrency_limit");

        // when
        assertThat(stack.endSession(admitted).statusCode()).isEqualTo(204);

        // then the query API lists both calls, newest first
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
            HttpResponse<String> page = stack.send(HttpRequest.newBuilder(
                            URI.create(stack.historyUrl("/v1/call-history?client_user_ref=" + user)))
                    .header("Authorization", "Bearer " + Stack.ADMIN_TOKEN));
            assertThat(page.statusCode()).isEqualTo(200);
            JsonNode items = Stack.json(page).get("items");
            assertThat(items).hasSize(2);
            List<String> outcomes = new ArrayList<>();
            items.forEach(item -> outcomes.add(item.get("outcome").asString()));
            assertThat(outcomes).containsExactlyInAnyOrder("completed", "rejected");
            items.forEach(item -> {
                assertThat(item.get("client_user_ref").asString()).isEqualTo(user);
                assertThat(item.toString()).doesNotContain("token");
            });
        });
        // and the call-history topic has one record per call under the user's key
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() ->
                assertThat(callHistoryOf(user)).extracting(CallRecord::outcome).containsExactlyInAnyOrder("completed", "rejected"));
    }

    private static String sessionOf(HttpResponse<String> response) {
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        return Stack.json(response).get("session_id").asString();
    }

    private static HttpResponse<String> webhook(String body, long timestamp, String signature) {
        return stack.send(HttpRequest.newBuilder(URI.create(stack.workerUrl("/v1/webhooks/daily")))
                .header("Content-Type", "application/json")
                .header("X-Webhook-Timestamp", Long.toString(timestamp))
                .header("X-Webhook-Signature", signature)
                .POST(HttpRequest.BodyPublishers.ofString(body)));
    }

    /** Daily's scheme, computed independently of the worker's code. */
    private static String sign(long timestamp, String body) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(Base64.getDecoder().decode(WEBHOOK_SECRET), "HmacSHA256"));
            return Base64.getEncoder().encodeToString(mac.doFinal((timestamp + "." + body).getBytes(StandardCharsets.UTF_8)));
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private static List<CallRecord> callHistoryOf(String user) {
        var topic = stack.topics.callHistory();
        try (var consumer = new KafkaConsumer<>(Map.<String, Object>of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, TestKafka.bootstrapServers()),
                topic.keySerde().deserializer(), topic.valueSerde().deserializer())) {
            var partitions = consumer.partitionsFor(topic.name()).stream()
                    .map(p -> new TopicPartition(topic.name(), p.partition())).toList();
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            var end = consumer.endOffsets(partitions);
            List<CallRecord> records = new ArrayList<>();
            while (partitions.stream().anyMatch(p -> consumer.position(p) < end.get(p))) {
                for (var record : consumer.poll(Duration.ofMillis(200))) {
                    if (user.equals(record.key())) {
                        records.add(record.value());
                    }
                }
            }
            return records;
        }
    }
}
