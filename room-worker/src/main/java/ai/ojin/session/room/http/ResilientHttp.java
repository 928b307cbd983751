package ai.ojin.session.room.http;

import ai.ojin.session.support.Futures;
import ai.ojin.session.room.jobs.Retry;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.tracing.Span;
import io.micrometer.tracing.Tracer;
import io.micrometer.tracing.propagation.Propagator;
import java.io.IOException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.time.Clock;
import java.time.Duration;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Asynchronous HTTP calls bounded by a per-call timeout and a total {@link Deadline}, retried a
 * limited number of times on 429, 5xx and transport errors (honouring {@code Retry-After}), and
 * optionally rate limited (every attempt takes a permit of its operation's {@link RateLimits limiter}). Each attempt is timed in {@code room.http.calls} (tags api, operation,
 * outcome). Each attempt is also a client span, a child of the span current when the call was
 * made, whose W3C {@code traceparent} goes out in the request's headers. Never logs request or
 * response bodies (they may hold meeting tokens). The pauses between attempts run on a {@link Delayer}
 * and an HTTP-date {@code Retry-After} is read against a {@link Clock} (the JDK's delay thread and
 * the system clock unless given).
 */
public final class ResilientHttp {

    private static final Logger log = LoggerFactory.getLogger(ResilientHttp.class);
    private static final Duration MIN_ATTEMPT = Duration.ofMillis(50);
    private static final Duration BASE_BACKOFF = Duration.ofMillis(100);
    /** Between tries without a Retry-After: 100 ms doubling up to 6.4 s, jittered. */
    private static final Retry.Backoff BACKOFF = new Retry.Backoff(BASE_BACKOFF, BASE_BACKOFF.multipliedBy(64));
    private static final Duration BUDGET_WARNING_EVERY = Duration.ofSeconds(10);

    private final String api;
    private final HttpClient client;
    private final Duration callTimeout;
    private final int maxAttempts;
    private final RateLimits rateLimits;
    private final AtomicLong nextBudgetWarning = new AtomicLong(Deadline.SYSTEM_TICKER.getAsLong());
    private final MeterRegistry meters;
    private final Tracer tracer;
    private final Propagator propagator;
    private final Clock clock;
    private final Delayer delayer;

    /**
     * @param rateLimits may be null (no client-side limit)
     */
    public ResilientHttp(String api, HttpClient client, Duration callTimeout, int maxAttempts, RateLimits rateLimits,
                         MeterRegistry meters) {
        this(api, client, callTimeout, maxAttempts, rateLimits, meters, Tracer.NOOP, Propagator.NOOP);
    }

    public ResilientHttp(String api, HttpClient client, Duration callTimeout, int maxAttempts, RateLimits rateLimits,
                         MeterRegistry meters, Tracer tracer, Propagator propagator) {
        this(api, client, callTimeout, maxAttempts, rateLimits, meters, tracer, propagator, Clock.systemUTC(),
                Delayer.JDK);
    }

    /**
     * @param clock the wall clock an HTTP-date {@code Retry-After} is measured against
     * @param delayer runs the next attempt after its pause
     */
    public ResilientHttp(String api, HttpClient client, Duration callTimeout, int maxAttempts, RateLimits rateLimits,
                         MeterRegistry meters, Tracer tracer, Propagator propagator, Clock clock, Delayer delayer) {
        this.clock = clock;
        this.delayer = delayer;
        this.tracer = tracer;
        this.propagator = propagator;
        this.api = api;
        this.client = client;
        this.callTimeout = callTimeout;
        this.maxAttempts = maxAttempts;
        this.rateLimits = rateLimits == null ? RateLimits.NONE : rateLimits;
        this.meters = meters;
    }

    /** A client for many concurrent calls: HTTP/1.1 (one connection per call in flight, no stream limits). */
    public static HttpClient newClient(Duration connectTimeout) {
        return HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(connectTimeout)
                .followRedirects(HttpClient.Redirect.NEVER)
                .build();
    }

    /** True when a call of {@code operation} at {@code priority} would now be refused by its rate limit at once. */
    public boolean refuses(String operation, Priority priority) {
        RateLimiter limiter = rateLimits == null ? null : rateLimits.of(operation);
        return limiter != null && limiter.refuses(priority);
    }

    /**
     * Sends the request (built afresh per attempt) and completes with the last response, whatever
     * its status, or fails with {@link ExternalCallException} when no response came in time.
     */
    public CompletableFuture<HttpResponse<String>> send(String operation, Priority priority,
                                                        Supplier<HttpRequest.Builder> request, Deadline deadline) {
        return attempt(new Call(operation, priority, request, deadline, tracer.currentSpan()), 1);
    }

    /** One logical call: what to send, how urgent it is, by when it must be over, and its parent span (may be null). */
    private record Call(String operation, Priority priority, Supplier<HttpRequest.Builder> request, Deadline deadline,
                        Span parent) {
    }

    private CompletableFuture<HttpResponse<String>> attempt(Call call, int attempt) {
        Duration remaining = call.deadline().remaining();
        if (remaining.compareTo(MIN_ATTEMPT) < 0) {
            return CompletableFuture.failedFuture(
                    new ExternalCallException(api + " " + call.operation() + ": no time left in the budget", 0));
        }
        RateLimiter rateLimiter = rateLimits.of(call.operation());
        if (rateLimiter == null) {
            return sendOnce(call, attempt);
        }
        // The wait for a permit leaves the call its own time (a call timeout, or half of what remains):
        // a permit spent on a call that can only time out is a request Daily counts and we retry.
        Duration forTheCall = callTimeout.compareTo(remaining.dividedBy(2)) < 0 ? callTimeout : remaining.dividedBy(2);
        Duration maxWait = remaining.minus(forTheCall.compareTo(MIN_ATTEMPT) < 0 ? MIN_ATTEMPT : forTheCall);
        return rateLimiter.acquire(call.priority(), maxWait)
                .handle((granted, error) -> {
                    if (error == null) {
                        return sendOnce(call, attempt);
                    }
                    meters.counter("room.http.rate_limited", "api", api, "operation", call.operation()).increment();
                    warnBudgetIsTheLimit(call, Futures.cause(error).getMessage());
                    return CompletableFuture.<HttpResponse<String>>failedFuture(new ExternalCallException(
                            api + " " + call.operation() + ": rate limit leaves no time in the budget", 0));
                })
                .thenCompose(f -> f);
    }

    /**
     * Says, at most every {@link #BUDGET_WARNING_EVERY}, that calls fail because the rate budget
     * (not the remote service) is the limit: demand is above what the budget allows.
     */
    private void warnBudgetIsTheLimit(Call call, String why) {
        long now = Deadline.SYSTEM_TICKER.getAsLong();
        long next = nextBudgetWarning.get();
        if (now - next >= 0 && nextBudgetWarning.compareAndSet(next, now + BUDGET_WARNING_EVERY.toNanos())) {
            log.warn("{}'s rate budget is the limit: a {} call ({} priority) got no permit ({}) and failed without "
                    + "being sent; demand is above the budget (room.http.rate_limited counts every such call; this "
                    + "line is logged at most every {} s)", api, call.operation(), call.priority(), why,
                    BUDGET_WARNING_EVERY.toSeconds());
        }
    }

    private CompletableFuture<HttpResponse<String>> sendOnce(Call call, int attempt) {
        String operation = call.operation();
        Deadline deadline = call.deadline();
        Duration remaining = deadline.remaining();
        if (remaining.compareTo(MIN_ATTEMPT) < 0) {
            return CompletableFuture.failedFuture(
                    new ExternalCallException(api + " " + operation + ": no time left in the budget", 0));
        }
        Duration timeout = remaining.compareTo(callTimeout) < 0 ? remaining : callTimeout;
        Span.Builder spanBuilder = tracer.spanBuilder();
        if (call.parent() != null) {
            spanBuilder.setParent(call.parent().context());
        }
        Span span = spanBuilder.name(api + " " + operation).kind(Span.Kind.CLIENT)
                .tag("api", api).tag("operation", operation).tag("attempt", String.valueOf(attempt))
                .start();
        HttpRequest.Builder builder = call.request().get().timeout(timeout);
        propagator.inject(span.context(), builder, HttpRequest.Builder::header);
        HttpRequest httpRequest = builder.build();
        Timer.Sample sample = Timer.start(meters);
        return client.sendAsync(httpRequest, HttpResponse.BodyHandlers.ofString())
                .handle((response, error) -> {
                    Throwable cause = Futures.cause(error);
                    String outcome = outcome(response, cause);
                    sample.stop(meters.timer("room.http.calls", "api", api, "operation", operation, "outcome", outcome));
                    span.tag("outcome", outcome);
                    if (cause != null) {
                        span.error(cause);
                    }
                    span.end();
                    if (cause == null && !retryable(response.statusCode())) {
                        return CompletableFuture.completedFuture(response);
                    }
                    if (cause != null && !(cause instanceof IOException)) {
                        return CompletableFuture.<HttpResponse<String>>failedFuture(cause);
                    }
                    Duration delay = cause == null ? retryDelay(response, attempt) : BACKOFF.after(attempt);
                    boolean canRetry = attempt < maxAttempts
                            && deadline.remaining().minus(delay).compareTo(MIN_ATTEMPT) >= 0;
                    String what = cause == null ? "status " + response.statusCode() : cause.getClass().getSimpleName();
                    if (!canRetry) {
                        log.warn("{} {} failed ({}) after {} attempt(s); not retrying", api, operation, what, attempt);
                        return cause == null ? CompletableFuture.completedFuture(response)
                                : CompletableFuture.<HttpResponse<String>>failedFuture(new ExternalCallException(
                                        api + " " + operation + " failed: " + what, 0, cause));
                    }
                    log.info("{} {} failed ({}), retry {} in {} ms", api, operation, what, attempt + 1, delay.toMillis());
                    meters.counter("room.http.retries", "api", api, "operation", operation).increment();
                    return after(delay.toNanos()).thenCompose(ignored -> attempt(call, attempt + 1));
                })
                .thenCompose(f -> f);
    }

    /**
     * Completes after the delay on the delayer (by default the JDK's delay thread). Not the default
     * async pool: on a 2-core machine its parallelism is 1 and CompletableFuture then starts a new
     * thread per task. What follows is cheap and non-blocking (build a request, {@code sendAsync}).
     */
    private CompletableFuture<Void> after(long nanos) {
        CompletableFuture<Void> elapsed = new CompletableFuture<>();
        delayer.runAfter(nanos, () -> elapsed.complete(null));
        return elapsed;
    }

    private static boolean retryable(int status) {
        return status == 429 || status >= 500;
    }

    private static String outcome(HttpResponse<String> response, Throwable cause) {
        if (cause instanceof HttpTimeoutException) {
            return "timeout";
        }
        if (cause != null) {
            return "io_error";
        }
        int status = response.statusCode();
        return status == 429 ? "rate_limited" : (status / 100) + "xx";
    }

    private Duration retryDelay(HttpResponse<String> response, int attempt) {
        return response.headers().firstValue("Retry-After")
                .map(value -> parseRetryAfter(value, clock))
                .orElseGet(() -> BACKOFF.after(attempt));
    }

    /** {@code Retry-After} as delta seconds or an HTTP date (on {@code clock}); unparseable: a short backoff. */
    static Duration parseRetryAfter(String value, Clock clock) {
        try {
            return Duration.ofSeconds(Math.max(0, Long.parseLong(value.trim())));
        } catch (NumberFormatException e) {
            try {
                Duration until = Duration.between(ZonedDateTime.now(clock),
                        ZonedDateTime.parse(value.trim(), DateTimeFormatter.RFC_1123_DATE_TIME));
                return until.isNegative() ? Duration.ZERO : until;
            } catch (DateTimeParseException notADate) {
                return BASE_BACKOFF;
            }
        }
    }


}
