package ai.ojin.session.room.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import ai.ojin.session.room.time.VirtualTime;
import ai.ojin.session.testkit.Fault;
import ai.ojin.session.testkit.FakeHttpServer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.micrometer.tracing.Tracer;
import io.micrometer.tracing.propagation.Propagator;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * ResilientHttp against a local HTTP server on 127.0.0.1. Time-outs are real (they are the HTTP
 * client's); the pauses between attempts and the deadlines run on virtual time where a test says
 * so, so that a Retry-After of seconds costs no wall-clock time.
 */
class ResilientHttpTest {

    private static final Duration AT_MOST = Duration.ofSeconds(10);

    private final Server server = new Server();
    private final SimpleMeterRegistry meters = new SimpleMeterRegistry();
    private final VirtualTime time = new VirtualTime();

    @AfterEach
    void closeTheServer() {
        server.close();
    }

    @Test
    void shouldTimeOutAHangingCallAtItsCallTimeout() {
        // given a server that holds the call for 10 s, and a call timeout of 300 ms
        server.failNext("GET", "/", 1, Fault.hang(Duration.ofSeconds(10)));
        ResilientHttp http = realTime(Duration.ofMillis(300), 1);

        // when
        long start = System.nanoTime();
        Throwable error = failure(http.send("get room", Priority.SETUP, get(), Deadline.in(AT_MOST)));
        Duration took = Duration.ofNanos(System.nanoTime() - start);

        // then it gives up at the call timeout, not at the server's pace
        assertThat(error).isInstanceOf(ExternalCallException.class).hasCauseInstanceOf(HttpTimeoutException.class);
        assertThat(((ExternalCallException) error).status()).isZero();
        assertThat(took).isGreaterThanOrEqualTo(Duration.ofMillis(300)).isLessThan(Duration.ofSeconds(3));
        assertThat(meters.timer("room.http.calls", "api", "test", "operation", "get room", "outcome", "timeout")
                .count()).isEqualTo(1);
    }

    @Test
    void shouldRetryACallThatTimedOut() throws Exception {
        // given a server that holds the first call past the call timeout, then answers
        server.failNext("GET", "/", 1, Fault.hang(Duration.ofSeconds(10)));
        ResilientHttp http = realTime(Duration.ofMillis(300), 2);

        // when
        HttpResponse<String> response = http.send("get room", Priority.SETUP, get(), Deadline.in(AT_MOST))
                .get(AT_MOST.toSeconds(), TimeUnit.SECONDS);

        // then the second attempt got the answer
        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(server.requestCount("GET", "/")).isEqualTo(2);
    }

    @Test
    void shouldRetryA429AfterItsRetryAfterDelay() throws Exception {
        // given a server that answers 429 with Retry-After: 3 once
        server.failNext("GET", "/", 1, Fault.tooManyRequests(Duration.ofSeconds(3)));
        ResilientHttp http = virtualTime(Duration.ofSeconds(5), 3);

        // when
        CompletableFuture<HttpResponse<String>> call = http.send("get room", Priority.SETUP, get(),
                Deadline.in(Duration.ofSeconds(30), time));

        // then the retry is set for exactly 3 s later, and nothing is sent before then
        await().atMost(AT_MOST).until(() -> time.pending() == 1);
        assertThat(time.delays()).containsExactly(Duration.ofSeconds(3));
        time.advance(Duration.ofMillis(2999));
        assertThat(server.requestCount("GET", "/")).isEqualTo(1);
        assertThat(call).isNotDone();

        // when the 3 s are over
        time.advance(Duration.ofMillis(1));

        // then the retry goes out and succeeds
        assertThat(call.get(AT_MOST.toSeconds(), TimeUnit.SECONDS).statusCode()).isEqualTo(200);
        assertThat(server.requestCount("GET", "/")).isEqualTo(2);
    }

    @Test
    void shouldReadRetryAfterAsSecondsOrAnHttpDate() {
        // given the virtual wall clock at 2025-01-01T12:00:00Z
        Clock clock = time.clock();

        // when / then
        assertThat(ResilientHttp.parseRetryAfter("7", clock)).isEqualTo(Duration.ofSeconds(7));
        assertThat(ResilientHttp.parseRetryAfter(" 2 ", clock)).isEqualTo(Duration.ofSeconds(2));
        assertThat(ResilientHttp.parseRetryAfter("-5", clock)).isZero();
        assertThat(ResilientHttp.parseRetryAfter("Wed, 1 Jan 2025 12:00:05 GMT", clock))
                .isEqualTo(Duration.ofSeconds(5));
        assertThat(ResilientHttp.parseRetryAfter("Wed, 1 Jan 2025 11:59:00 GMT", clock)).isZero();
        assertThat(ResilientHttp.parseRetryAfter("soon", clock)).isEqualTo(Duration.ofMillis(100));
    }

    @Test
    void shouldRetryA5xxUpToItsMaxAttemptsWithGrowingBackoff() throws Exception {
        // given a server that answers 503 to every call, and at most 3 attempts
        server.failNext("GET", "/", 10, Fault.status(503));
        ResilientHttp http = virtualTime(Duration.ofSeconds(5), 3);

        // when
        CompletableFuture<HttpResponse<String>> call = http.send("get room", Priority.SETUP, get(),
                Deadline.in(Duration.ofSeconds(30), time));
        for (int retry = 1; retry <= 2; retry++) {
            await().atMost(AT_MOST).until(() -> time.pending() == 1);
            time.advance(Duration.ofSeconds(1));
        }

        // then three attempts went out, with a backoff of 50-100 ms then 100-200 ms, and the last
        // answer is returned as it is
        assertThat(call.get(AT_MOST.toSeconds(), TimeUnit.SECONDS).statusCode()).isEqualTo(503);
        assertThat(server.requestCount("GET", "/")).isEqualTo(3);
        assertThat(time.delays()).hasSize(2);
        assertThat(time.delays().get(0)).isBetween(Duration.ofMillis(50), Duration.ofMillis(100));
        assertThat(time.delays().get(1)).isBetween(Duration.ofMillis(100), Duration.ofMillis(200));
        assertThat(meters.counter("room.http.retries", "api", "test", "operation", "get room").count()).isEqualTo(2);
    }

    @Test
    void shouldNotRetryA4xx() throws Exception {
        // given a server that answers 404
        server.failNext("GET", "/", 1, Fault.status(404));
        ResilientHttp http = virtualTime(Duration.ofSeconds(5), 3);

        // when
        CompletableFuture<HttpResponse<String>> call = http.send("get room", Priority.SETUP, get(),
                Deadline.in(Duration.ofSeconds(30), time));
        await().atMost(AT_MOST).until(() -> call.isDone() || time.pending() > 0);

        // then the 404 is the answer: no retry was even scheduled
        assertThat(time.delays()).as("retries scheduled").isEmpty();
        assertThat(call.get().statusCode()).isEqualTo(404);
        assertThat(server.requestCount("GET", "/")).isEqualTo(1);
    }

    @Test
    void shouldNotRetryWhenTheRetryAfterDelayGoesPastTheDeadline() throws Exception {
        // given a server that asks for 5 s, and a deadline 2 s away
        server.failNext("GET", "/", 1, Fault.tooManyRequests(Duration.ofSeconds(5)));
        ResilientHttp http = virtualTime(Duration.ofSeconds(5), 3);

        // when
        CompletableFuture<HttpResponse<String>> call = http.send("get room", Priority.SETUP, get(),
                Deadline.in(Duration.ofSeconds(2), time));
        await().atMost(AT_MOST).until(() -> call.isDone() || time.pending() > 0);

        // then the 429 is the answer: no retry was even scheduled
        assertThat(time.delays()).as("retries scheduled").isEmpty();
        assertThat(call.get().statusCode()).isEqualTo(429);
        assertThat(server.requestCount("GET", "/")).isEqualTo(1);
    }

    @Test
    void shouldCutAHangingCallAtTheDeadlineAndNotRetryPastIt() {
        // given a server that holds the call for 10 s, a call timeout of 5 s and a deadline 400 ms away
        server.failNext("GET", "/", 1, Fault.hang(Duration.ofSeconds(10)));
        ResilientHttp http = realTime(Duration.ofSeconds(5), 3);

        // when
        long start = System.nanoTime();
        Throwable error = failure(http.send("get room", Priority.SETUP, get(), Deadline.in(Duration.ofMillis(400))));
        Duration took = Duration.ofNanos(System.nanoTime() - start);

        // then the attempt ends with the deadline, and no other is made
        assertThat(error).isInstanceOf(ExternalCallException.class).hasCauseInstanceOf(HttpTimeoutException.class);
        assertThat(took).isGreaterThanOrEqualTo(Duration.ofMillis(350)).isLessThan(Duration.ofSeconds(3));
        assertThat(server.requestCount("GET", "/")).isEqualTo(1);
    }

    @Test
    void shouldNotSendWhenTheBudgetIsAlreadySpent() {
        // given a deadline 10 ms away (less than the shortest attempt)
        ResilientHttp http = virtualTime(Duration.ofSeconds(5), 3);

        // when
        Throwable error = failure(http.send("get room", Priority.SETUP, get(),
                Deadline.in(Duration.ofMillis(10), time)));

        // then
        assertThat(error).isInstanceOf(ExternalCallException.class).hasMessageContaining("no time left");
        assertThat(server.requestCount(null, "/")).isZero();
    }

    @Test
    void shouldNotSpendAPermitOnACallThatWouldBeLeftLessThanItsCallTimeout() {
        // given one permit every 2 s, taken by a first call, and a call timeout of 1 s
        RateLimiter limiter = new RateLimiter(0.5, 1);
        ResilientHttp http = new ResilientHttp("test", ResilientHttp.newClient(Duration.ofSeconds(2)),
                Duration.ofSeconds(1), 1, operation -> limiter, meters);
        assertThat(http.send("get room", Priority.SETUP, get(), Deadline.in(AT_MOST)).join().statusCode()).isEqualTo(200);

        // when a second call has 2.5 s in all: its permit would come after 2 s, leaving it 0.5 s
        Throwable error = failure(http.send("get room", Priority.SETUP, get(), Deadline.in(Duration.ofMillis(2500))));

        // then it fails without being sent: the wait for a permit left the call its timeout
        assertThat(error).isInstanceOf(ExternalCallException.class).hasMessageContaining("rate limit");
        assertThat(server.requestCount("GET", "/")).isEqualTo(1);
        assertThat(meters.counter("room.http.rate_limited", "api", "test", "operation", "get room").count()).isEqualTo(1);
    }

    private ResilientHttp realTime(Duration callTimeout, int maxAttempts) {
        return new ResilientHttp("test", ResilientHttp.newClient(Duration.ofSeconds(2)), callTimeout, maxAttempts,
                null, meters);
    }

    private ResilientHttp virtualTime(Duration callTimeout, int maxAttempts) {
        return new ResilientHttp("test", ResilientHttp.newClient(Duration.ofSeconds(2)), callTimeout, maxAttempts,
                null, meters, Tracer.NOOP, Propagator.NOOP, time.clock(), time.delayer());
    }

    private Supplier<HttpRequest.Builder> get() {
        URI uri = URI.create("http://127.0.0.1:" + server.port() + "/v1/rooms/room-1");
        return () -> HttpRequest.newBuilder(uri).GET();
    }

    private static Throwable failure(CompletableFuture<?> call) {
        try {
            call.get(AT_MOST.toSeconds(), TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            return e.getCause();
        } catch (Exception e) {
            throw new AssertionError("the call did not fail in time", e);
        }
        throw new AssertionError("the call succeeded");
    }

    /** Answers 200 {"ok":true} unless a fault is scripted. */
    private static final class Server extends FakeHttpServer {

        Server() {
            super("resilient-http-test");
        }

        @Override
        protected Response handle(Call call) {
            return Response.json(200, Map.of("ok", true));
        }
    }
}
