package ai.ojin.session.standalone;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import ai.ojin.session.processor.streams.SessionStreams;
import java.net.URI;
import java.net.http.HttpRequest;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** connect-api's readiness follows whether the real session processor runs. */
class ProcessorReadinessEndToEndTest {

    @Test
    void shouldTurnReadinessDownWhenTheProcessorStopsAndUpWhenItIsBack() {
        try (Stack stack = new Stack(Map.of("connect.heartbeat-interval", "200ms", "connect.heartbeat-stale-after", "2s"))) {
            // given: a ready stack, its services listening on the loopback address only
            await().atMost(Duration.ofSeconds(60)).until(() -> readiness(stack) == 200);
            assertThat(stack.stack.services()).allSatisfy(service -> assertThat(
                    service.getEnvironment().getProperty("server.address")).isEqualTo("127.0.0.1"));
            SessionStreams processor = stack.stack.services().get(0).getBean(SessionStreams.class);

            // when the processor stops
            processor.stop();

            // then
            await().atMost(Duration.ofSeconds(30)).until(() -> readiness(stack) == 503);
            assertThat(stack.send(HttpRequest.newBuilder(URI.create(stack.connectUrl("/actuator/health/readiness"))).GET())
                    .body()).contains("DOWN");

            // and when it runs again
            processor.start();

            // then
            await().atMost(Duration.ofSeconds(60)).until(() -> readiness(stack) == 200);
        }
    }

    private static int readiness(Stack stack) {
        return stack.send(HttpRequest.newBuilder(URI.create(stack.connectUrl("/actuator/health/readiness"))).GET()).statusCode();
    }
}
