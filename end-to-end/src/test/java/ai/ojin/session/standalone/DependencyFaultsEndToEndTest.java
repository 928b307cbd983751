package ai.ojin.session.standalone;

import static ai.ojin.session.standalone.Stack.assertError;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import ai.ojin.session.processor.streams.SessionStreams;
import ai.ojin.session.testkit.TestKafka;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A dependency slower than the API's deadline or stopped: Daily slow (the caller gets an error, the
 * slot comes back, no room or bot is left behind, even a room that Daily creates after our call gave
 * up), and the session processor stopped (connect-api's readiness follows it). One stack of its own
 * for both (a short reply timeout, a fast reconciliation, fast processor heartbeats), started in a
 * test JVM of this module's test phase whose code is warm. Each test leaves the stack as it found
 * it (Daily fast, the processor running), so they run in either order.
 */
class DependencyFaultsEndToEndTest {

    private static Stack stack;

    @BeforeAll
    static void startStack() {
        stack = new Stack(Map.of(
                "connect.reply-timeout", "1500ms",
                "room.reconcile-interval", "2s",
                "room.reconcile-grace", "1s",
                "connect.heartbeat-interval", "200ms",
                "connect.heartbeat-stale-after", "2s"));
    }

    @AfterAll
    static void stopStack() {
        if (stack != null) {
            stack.close();
        }
    }

    @Test
    void shouldAnswerAnErrorFreeTheSlotAndLeaveNothingBehindWhenDailyIsSlow() {
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

    @Test
    void shouldTurnReadinessDownWhenTheProcessorStopsAndUpWhenItIsBack() {
        // given: a ready stack, its services listening on the loopback address only
        await().atMost(Duration.ofSeconds(60)).until(() -> readiness() == 200);
        assertThat(stack.stack.services()).allSatisfy(service -> assertThat(
                service.getEnvironment().getProperty("server.address")).isEqualTo("127.0.0.1"));
        SessionStreams processor = stack.stack.services().get(0).getBean(SessionStreams.class);

        // when the processor stops
        processor.stop();

        // then
        await().atMost(Duration.ofSeconds(30)).until(() -> readiness() == 503);
        assertThat(readinessResponse().body()).contains("DOWN");

        // and when it runs again
        processor.start();

        // then
        await().atMost(Duration.ofSeconds(60)).until(() -> readiness() == 200);
    }

    private static int readiness() {
        return readinessResponse().statusCode();
    }

    private static HttpResponse<String> readinessResponse() {
        return stack.send(HttpRequest.newBuilder(URI.create(stack.connectUrl("/actuator/health/readiness"))).GET());
    }

    private static <T> List<T> last(List<T> items, int n) {
        return items.subList(Math.max(0, items.size() - n), items.size());
    }
}
