package ai.ojin.session.standalone;

import static ai.ojin.session.standalone.Stack.assertError;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import ai.ojin.session.rules.audit.AuditCheck;
import ai.ojin.session.events.fact.SessionEvent;
import ai.ojin.session.room.pool.RoomPool;
import ai.ojin.session.testkit.FakeDaily;
import ai.ojin.session.testkit.TestKafka;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/**
 * The whole system with a warm room pool and self-signed meeting tokens (the default with a key):
 * with Daily slow, a connect gets a pooled room and locally signed tokens without waiting for
 * Daily; a refusal is still a refusal; an ended session's pooled room is closed (kept to be reused once
 * its tokens expired, not deleted); the log folds clean.
 */
class WarmPoolEndToEndTest {

    private static final int POOL = 4;
    private static Stack stack;

    @BeforeAll
    static void startStack() {
        stack = new Stack(Map.of("room.pool.size", String.valueOf(POOL), "room.pool.check-interval", "1s"));
    }

    @AfterAll
    static void stopStack() {
        if (stack != null) {
            stack.close();
        }
    }

    @Test
    void shouldConnectWithAPooledRoomAndSelfSignedTokensWhileDailyIsSlow() {
        // given: a full pool, then Daily at 1 s per call
        String agentId = TestKafka.uniqueId("warm");
        stack.putAgent(agentId, "published", List.of("*"), 2, 600);
        await().atMost(Duration.ofSeconds(60)).until(() -> poolRooms().size() == POOL);
        Set<String> ready = poolRooms();
        stack.daily.setLatency(Duration.ofSeconds(1));

        // when
        HttpResponse<String> first = stack.connect(agentId, "user-7", null);
        HttpResponse<String> second = stack.connect(agentId, "user-8", null);

        // then: both connected to rooms that were ready, with tokens Daily accepts for them; no Daily call of theirs
        String firstId = assertConnectedToAPooledRoom(first, ready);
        String secondId = assertConnectedToAPooledRoom(second, ready);
        assertThat(stack.daily.requests()).noneSatisfy(r -> assertThat(r.body()).contains(firstId));
        assertThat(stack.daily.requests()).noneSatisfy(r -> assertThat(r.path()).startsWith("/v1/meeting-tokens"));

        // and: at the limit, the third caller is refused (concurrency_limit)
        assertError(stack.connect(agentId, null, null), 429, "concurrency_limit");

        // when: the first session is ended
        String firstRoom = roomOf(first);
        assertThat(stack.endSession(firstId).statusCode()).isEqualTo(204);

        // then: its pooled room is closed: the user's token no longer joins it; the room is kept, for a later
        // session once that token has expired (not deleted); the other session's room stays open
        await().atMost(Duration.ofSeconds(60)).until(() -> !stack.daily.isOpen(firstRoom));
        assertThat(stack.daily.admits(firstRoom, Stack.json(first).get("token").asString())).isFalse();
        assertThat(stack.daily.deletedRoomNames()).doesNotContain(firstRoom);
        assertThat(stack.daily.openRoomNames()).contains(roomOf(second));
        assertThat(secondId).isNotEqualTo(firstId);

        // and: the log folds clean
        List<SessionEvent> facts = TestKafka.readAll(stack.topics.events()).stream().map(ConsumerRecord::value).toList();
        assertThat(AuditCheck.check(facts).violations()).isEmpty();
        stack.daily.setLatency(Duration.ZERO);
    }

    private static String assertConnectedToAPooledRoom(HttpResponse<String> response, Set<String> ready) {
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        JsonNode body = Stack.json(response);
        String room = roomOf(response);
        assertThat(ready).contains(room);
        String token = body.get("token").asString();
        FakeDaily.SelfSignedToken claims = stack.daily.verifySelfSigned(token).orElseThrow();
        assertThat(claims.roomName()).isEqualTo(room);
        assertThat(claims.isOwner()).isFalse();
        assertThat(stack.daily.admits(room, token)).isTrue();
        String sessionId = body.get("session_id").asString();
        assertThat(stack.orchestrator.session(sessionId).orElseThrow().roomUrl()).isEqualTo(body.get("room_url").asString());
        return sessionId;
    }

    private static String roomOf(HttpResponse<String> response) {
        String url = Stack.json(response).get("room_url").asString();
        return url.substring(url.lastIndexOf('/') + 1);
    }

    private static Set<String> poolRooms() {
        return stack.daily.liveRoomNames().stream().filter(RoomPool::isPoolRoomName).collect(Collectors.toSet());
    }
}
