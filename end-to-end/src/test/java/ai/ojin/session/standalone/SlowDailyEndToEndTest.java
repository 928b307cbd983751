package ai.ojin.session.standalone;

import static ai.ojin.session.standalone.Stack.assertError;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import ai.ojin.session.testkit.TestKafka;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Daily slower than the API's deadline: the caller gets an error, the slot comes back, and no
 * room or bot is left behind, even a room that Daily creates after our call gave up. A stack of its
 * own (a short reply timeout, a fast reconciliation), started in a test JVM of this module's
 * test phase whose code is warm, not in a JVM of its own after packaging.
 */
class SlowDailyEndToEndTest {

    private static Stack stack;

    @BeforeAll
    static void startStack() {
        stack = new Stack(Map.of(
                "connect.reply-timeout", "1500ms",
                "room.reconcile-interval", "2s",
                "room.reconcile-grace", "1s"));
    }

    @AfterAll
    static void stopStack() {
        if (stack != null) {
            stack.close();
        }
    }

    private static <T> List<T> last(List<T> items, int n) {
        return items.subList(Math.max(0, items.size() - n), items.size());
    }

    @Test
    void shouldAnswerAnErrorFreeTheSlotAndLeaveNothingBehind() {
        // given
        String agentId = TestKafka.uniqueId("slow");
        stack.putAgent(agentId, "published", List.of("*"), 1, 600);
        stack.daily.setLatency(Duration.ofSeconds(3));

        // when
        HttpResponse<String> response = stack.connect(agentId, null, null);

        // then the caller got an error within its deadline
        assertThat(response.statusCode()).as(response.body()).isIn(500, 502);
        assertThat(Stack.json(response).get("error_code").asString()).isIn("internal_error", "room_creation_failed");

        // and once Daily is fast again (while it is slower than the worker's call timeout no call of
        // the worker succeeds: the room's close is retried), nothing of that session remains
        stack.daily.setLatency(Duration.ZERO);
        await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> {
            assertThat(stack.daily.inFlight()).as(() -> "Daily calls in flight; the last ones: " + last(stack.daily.requests(), 12))
                    .isZero();
            assertThat(stack.daily.liveRoomNames()).noneMatch(name -> name.startsWith(agentId + "_"));
            assertThat(stack.orchestrator.liveSessions()).noneMatch(id -> id.startsWith(agentId + "_"));
        });

        // and the slot is free again
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() ->
                assertThat(stack.connect(agentId, null, null).statusCode()).isEqualTo(200));
        assertError(stack.connect(agentId, null, null), 429, "concurrency_limit");
    }
}
