package ai.ojin.session.standalone;

import static ai.ojin.session.standalone.Stack.assertError;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import ai.ojin.session.testkit.Fault;
import ai.ojin.session.testkit.TestKafka;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;
import org.junit.jupiter.api.extension.ExtendWith;
import tools.jackson.databind.JsonNode;

/**
 * The public connect contract, black-box over HTTP against the standalone stack (all four
 * services, a real broker, a fake Daily and a fake orchestrator speaking their documented shapes).
 */
@ExtendWith(SharedStack.class)
class ConnectEndToEndTest {

    private static final String SITE = "https://shop.example.com";
    private static Stack stack;

    @BeforeAll
    static void useSharedStack(Stack shared) {
        stack = shared;
    }

    private static String newAgent(TestInfo test, String status, List<String> hosts, int maxConcurrency) {
        String agentId = TestKafka.uniqueId(test.getTestMethod().orElseThrow().getName().substring(0, 20));
        stack.putAgent(agentId, status, hosts, maxConcurrency, 600);
        return agentId;
    }

    @Test
    void shouldConnectAndAnswerSessionIdRoomUrlAndTokenWithoutLeakingTheToken(TestInfo test) {
        // given
        String agentId = newAgent(test, "published", List.of("shop.example.com"), 2);

        // when
        HttpResponse<String> response = stack.connect(agentId, "user-42", SITE);

        // then
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        JsonNode body = Stack.json(response);
        String sessionId = body.get("session_id").asString();
        String token = body.get("token").asString();
        assertThat(body.get("room_url").asString()).isEqualTo(stack.daily.room(sessionId).orElseThrow().url());
        assertThat(response.headers().firstValue("Access-Control-Allow-Origin")).contains(SITE);
        assertThat(response.headers().allValues("Vary").toString()).contains("Origin");

        var room = stack.daily.room(sessionId).orElseThrow();
        assertThat(room.privacy()).isEqualTo("private");
        assertThat(room.exp()).isNotNull();
        assertThat(room.ejectAtRoomExp()).isTrue();
        var tokens = stack.daily.tokensForRoom(sessionId);
        assertThat(tokens).hasSize(2).allSatisfy(t -> assertThat(t.exp()).isNotNull());
        assertThat(tokens).filteredOn(t -> t.token().equals(token)).singleElement()
                .satisfies(t -> assertThat(t.isOwner()).isNotEqualTo(Boolean.TRUE));
        var bot = stack.orchestrator.session(sessionId).orElseThrow();
        assertThat(bot.token()).isNotEqualTo(token);
        assertThat(bot.roomUrl()).isEqualTo(room.url());
        assertThat(bot.clientUserRef()).isEqualTo("user-42");

        // the meeting token never reaches the long-retention topics
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() ->
                assertThat(readAll(stack.topics.events().name())).contains(sessionId).doesNotContain(token));
        assertThat(readAll(stack.topics.commands().name())).doesNotContain(token);
    }

    @Test
    void shouldAnswerEveryCheckErrorWithItsCodeAndStatus(TestInfo test) {
        // given
        String published = newAgent(test, "published", List.of("shop.example.com"), 2);
        String unpublished = newAgent(test, "unpublished", List.of("shop.example.com"), 2);

        // when / then
        assertError(stack.connect("nobody-here", null, SITE), 404, "agent_not_found");
        assertError(stack.connect(published, null, "https://other.example.org"), 403, "auth_failed");
        assertError(stack.connect(unpublished, null, SITE), 403, "agent_unpublished");
        assertError(stack.connect("{\"agent_id\": 5}", SITE), 400, "invalid_request");
        assertError(stack.connect("{\"agent_id\": \"" + published + "\", \"client_user_ref\": \"" + "x".repeat(257) + "\"}", SITE),
                400, "invalid_request");
        // an unknown agent is reported before the origin check, and that before unpublished
        assertError(stack.connect(unpublished, null, "https://other.example.org"), 403, "auth_failed");
    }

    @Test
    void shouldRejectOriginAttacks(TestInfo test) {
        // given
        String agentId = newAgent(test, "published", List.of("example.com"), 5);

        // when / then
        assertError(stack.connect(agentId, null, "null"), 403, "auth_failed");
        assertError(stack.connect(agentId, null, "https://example.com.evil.com"), 403, "auth_failed");
        assertError(stack.connect(agentId, null, "https://evilexample.com"), 403, "auth_failed");
        assertError(stack.connect(agentId, null, "https://example.com@evil.com"), 403, "auth_failed");
        assertError(stack.connect(agentId, null, null), 403, "auth_failed");
        assertThat(stack.connect(agentId, null, "https://EXAMPLE.com").statusCode()).isEqualTo(200);
    }

    @Test
    void shouldAcceptCallsWithoutOriginForAStarAgent(TestInfo test) {
        // given
        String agentId = newAgent(test, "published", List.of("*"), 5);

        // when / then
        assertThat(stack.connect(agentId, null, null).statusCode()).isEqualTo(200);
        assertThat(stack.connect(agentId, null, "https://anywhere.example").statusCode()).isEqualTo(200);
    }

    @Test
    void shouldAnswerTheCorsPreflight() {
        // when
        HttpResponse<String> response = stack.send(HttpRequest.newBuilder(URI.create(stack.connectUrl("/v1/public/agents/connect")))
                .method("OPTIONS", HttpRequest.BodyPublishers.noBody())
                .header("Origin", SITE)
                .header("Access-Control-Request-Method", "POST")
                .header("Access-Control-Request-Headers", "content-type"));

        // then
        assertThat(response.statusCode()).isBetween(200, 204);
        assertThat(response.headers().firstValue("Access-Control-Allow-Origin")).contains(SITE);
        assertThat(response.headers().firstValue("Access-Control-Allow-Methods").orElse("")).contains("POST");
        assertThat(response.headers().firstValue("Access-Control-Allow-Headers").orElse("").toLowerCase()).contains("content-type");
    }

    @Test
    void shouldAnswerRoomCreationFailedWhenDailyFailsAndFreeTheSlot(TestInfo test) {
        // given
        String agentId = newAgent(test, "published", List.of("*"), 1);
        stack.daily.failNext("POST", "/v1/rooms", 20, Fault.status(500));

        // when
        HttpResponse<String> failed = stack.connect(agentId, null, null);
        stack.daily.resetKnobs();

        // then
        assertError(failed, 502, "room_creation_failed");
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() ->
                assertThat(stack.connect(agentId, null, null).statusCode()).isEqualTo(200));
    }

    @Test
    void shouldAnswerOrchestratorErrorAndDeleteTheRoom(TestInfo test) {
        // given
        String agentId = newAgent(test, "published", List.of("*"), 1);
        stack.orchestrator.failNext("POST", "/v1/sessions", 20, Fault.status(500));

        // when
        HttpResponse<String> failed = stack.connect(agentId, null, null);
        stack.orchestrator.resetKnobs();

        // then
        assertError(failed, 502, "orchestrator_error");
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertThat(stack.daily.openRoomNames())
                .noneMatch(name -> name.startsWith(agentId + "_")));
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertThat(stack.daily.liveRoomNames())
                .noneMatch(name -> name.startsWith(agentId + "_")));
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() ->
                assertThat(stack.connect(agentId, null, null).statusCode()).isEqualTo(200));
    }

    @Test
    void shouldAdmitExactlyTheLimitOutOfABurst(TestInfo test) {
        // given
        String agentId = newAgent(test, "published", List.of("*"), 5);
        ExecutorService pool = Executors.newFixedThreadPool(40);

        // when
        List<CompletableFuture<HttpResponse<String>>> calls = new ArrayList<>();
        for (int i = 0; i < 40; i++) {
            calls.add(CompletableFuture.supplyAsync(() -> stack.connect(agentId, null, null), pool));
        }
        List<HttpResponse<String>> responses = calls.stream().map(CompletableFuture::join).toList();
        pool.shutdown();

        // then
        assertThat(responses).filteredOn(r -> r.statusCode() == 200).hasSize(5);
        assertThat(responses).filteredOn(r -> r.statusCode() == 429).hasSize(35)
                .allSatisfy(r -> {
                    JsonNode body = Stack.json(r);
                    assertThat(body.get("error_code").asString()).isEqualTo("concurrency_limit");
                    assertThat(body.get("retry_after_seconds").asInt()).isGreaterThanOrEqualTo(1);
                });
        assertThat(stack.daily.liveRoomNames()).filteredOn(name -> name.startsWith(agentId + "_")).hasSize(5);
        assertThat(stack.daily.requestCount("POST", "/v1/rooms")).isGreaterThanOrEqualTo(5);
    }

    static String readAll(String topic) {
        try (var consumer = new KafkaConsumer<>(Map.<String, Object>of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, TestKafka.bootstrapServers(),
                ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed"),
                new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            var partitions = consumer.partitionsFor(topic).stream()
                    .map(p -> new TopicPartition(topic, p.partition())).toList();
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            var end = consumer.endOffsets(partitions);
            StringBuilder all = new StringBuilder();
            while (partitions.stream().anyMatch(p -> consumer.position(p) < end.get(p))) {
                for (var record : consumer.poll(Duration.ofMillis(200))) {
                    all.append(new String(record.value() == null ? new byte[0] : record.value(), StandardCharsets.UTF_8)).append('\n');
                }
            }
            return all.toString();
        }
    }
}
