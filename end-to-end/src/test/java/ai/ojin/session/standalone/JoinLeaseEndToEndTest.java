package ai.ojin.session.standalone;

import static ai.ojin.session.standalone.Stack.assertError;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import ai.ojin.session.testkit.Fault;
import ai.ojin.session.testkit.TestKafka;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;
import tools.jackson.databind.JsonNode;

/**
 * Slots come back when the user never arrives: a stack of its own with a 4 s join timeout and a
 * 2 s rejoin timeout, driven over HTTP like a widget, with Daily's participant webhooks signed as
 * Daily signs them.
 */
class JoinLeaseEndToEndTest {

    private static final Duration JOIN_TIMEOUT = Duration.ofSeconds(4);
    private static final Duration WAIT = Duration.ofSeconds(40);
    private static Stack stack;

    @BeforeAll
    static void startStack() {
        stack = new Stack(Map.of(
                "processor.lease.join-timeout", JOIN_TIMEOUT.toSeconds() + "s",
                "processor.lease.rejoin-timeout", "2s",
                "processor.lease.punctuate-interval", "200ms"));
    }

    @AfterAll
    static void stopStack() {
        if (stack != null) {
            stack.close();
        }
    }

    @Test
    void shouldFreeTheSlotOfAConnectNobodyJoinsAfterTheJoinTimeoutWithRoomClosedThenDeletedAndBotStopped(TestInfo test) {
        // given: an agent with one slot, taken by a connect whose user never joins
        String agentId = newAgent(test);
        String sessionId = sessionOf(stack.connect(agentId, "no-show-user", null));
        Instant answered = Instant.now();
        assertError(stack.connect(agentId, null, null), 429, "concurrency_limit");

        // when the join timeout passes, then the room is closed, the bot stopped and the slot free
        await().atMost(WAIT).untilAsserted(() -> {
            assertThat(stack.daily.openRoomNames()).doesNotContain(sessionId);
            assertThat(stack.orchestrator.liveSessions()).doesNotContain(sessionId);
        });
        assertThat(Duration.between(answered, Instant.now())).isGreaterThanOrEqualTo(JOIN_TIMEOUT.minusMillis(500));
        assertThat(stack.connect(agentId, null, null).statusCode()).isEqualTo(200);
        // and the room is deleted afterwards, once
        await().atMost(WAIT).until(() -> stack.daily.deletedRoomNames().contains(sessionId));
        assertThat(stack.daily.deletedRoomNames()).containsOnlyOnce(sessionId);
        // and call history says no_show
        await().atMost(WAIT).untilAsserted(() -> assertThat(historyOf(sessionId))
                .containsEntry("outcome", "no_show").containsEntry("end_reason", "no_show"));
    }

    @Test
    void shouldKeepAJoinedSessionPastTheJoinTimeoutAndEndItWhenTheUserLeavesForGood(TestInfo test) {
        // given: a connect whose user joins the room with the token it got (the bot too)
        String agentId = newAgent(test);
        HttpResponse<String> connected = stack.connect(agentId, null, null);
        String sessionId = sessionOf(connected);
        String token = Stack.json(connected).get("token").asString();
        String random = sessionId.substring(sessionId.length() - 26);
        stack.webhooks().send(ai.ojin.session.testkit.DailyWebhooks.participantJoined("evt-bot-" + random, sessionId,
                "b-" + random, "p-bot", Instant.now()));
        stack.userJoins(sessionId, token, "p-user");

        // when the join timeout passes twice, then the session is still live
        await().during(JOIN_TIMEOUT.multipliedBy(2)).atMost(JOIN_TIMEOUT.multipliedBy(3))
                .until(() -> stack.daily.liveRoomNames().contains(sessionId));
        assertError(stack.connect(agentId, null, null), 429, "concurrency_limit");

        // and when the user leaves and does not come back, then the session ends user_left
        stack.userLeaves(sessionId, token, "p-user", 10);
        await().atMost(WAIT).untilAsserted(() -> {
            assertThat(stack.daily.openRoomNames()).doesNotContain(sessionId);
            assertThat(stack.orchestrator.liveSessions()).doesNotContain(sessionId);
        });
        assertThat(stack.connect(agentId, null, null).statusCode()).isEqualTo(200);
        await().atMost(WAIT).untilAsserted(() -> assertThat(historyOf(sessionId))
                .containsEntry("outcome", "completed").containsEntry("end_reason", "user_left"));
    }

    @Test
    void shouldFreeTheSlotOfAConnectWhoseClientDisconnectedBeforeTheAnswerWithinTheJoinTimeout(TestInfo test)
            throws Exception {
        // given: the bot start of this agent takes 2 s, so the answer comes after the client left
        String agentId = newAgent(test);
        stack.orchestrator.failNextWhen("POST", "/v1/sessions", call -> call.body().contains("\"" + agentId + "\""), 1,
                Fault.hangThenProceed(Duration.ofSeconds(2)));

        // when: a widget sends the connect and its connection closes right away
        String body = "{\"agent_id\":\"" + agentId + "\"}";
        try (Socket socket = new Socket("127.0.0.1", stack.stack.connectApiPort())) {
            OutputStream out = socket.getOutputStream();
            out.write(("POST /v1/public/agents/connect HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                    + "Content-Length: " + body.getBytes(StandardCharsets.UTF_8).length + "\r\nConnection: close\r\n\r\n"
                    + body).getBytes(StandardCharsets.UTF_8));
            out.flush();
            await().atMost(WAIT).until(() -> stack.daily.liveRoomNames().stream().anyMatch(n -> n.startsWith(agentId + "_")));
        }
        Instant disconnected = Instant.now();
        String sessionId = stack.daily.liveRoomNames().stream().filter(n -> n.startsWith(agentId + "_")).findFirst()
                .orElseThrow();

        // then: the slot comes back (the room closed) by the end of the set-up plus the join timeout at the latest
        await().atMost(WAIT).untilAsserted(() -> {
            assertThat(stack.daily.openRoomNames()).doesNotContain(sessionId);
            assertThat(stack.orchestrator.liveSessions()).doesNotContain(sessionId);
        });
        Duration held = Duration.between(disconnected, Instant.now());
        assertThat(held).isLessThan(Duration.ofSeconds(2).plus(JOIN_TIMEOUT).plusSeconds(5));
        assertThat(stack.connect(agentId, null, null).statusCode()).isEqualTo(200);
        assertThat(Set.of("no_show", "abandoned")).contains(historyOf(sessionId).get("outcome"));
    }

    private static String newAgent(TestInfo test) {
        String agentId = TestKafka.uniqueId(test.getTestMethod().orElseThrow().getName().substring(0, 20));
        stack.putAgent(agentId, "published", List.of("*"), 1, 600);
        return agentId;
    }

    private static String sessionOf(HttpResponse<String> response) {
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        return Stack.json(response).get("session_id").asString();
    }

    /** The call-history item of a session (empty map while it is not listed). */
    private static Map<String, String> historyOf(String sessionId) {
        String agentId = sessionId.substring(0, sessionId.length() - 27);
        HttpResponse<String> page = stack.send(HttpRequest.newBuilder(
                        URI.create(stack.historyUrl("/v1/call-history?agent_id=" + agentId)))
                .header("Authorization", "Bearer " + Stack.ADMIN_TOKEN));
        assertThat(page.statusCode()).isEqualTo(200);
        for (JsonNode item : Stack.json(page).get("items")) {
            if (item.get("session_id").asString().equals(sessionId)) {
                return Map.of("outcome", item.get("outcome").asString(), "end_reason",
                        item.get("end_reason").isNull() ? "" : item.get("end_reason").asString());
            }
        }
        return Map.of();
    }
}
