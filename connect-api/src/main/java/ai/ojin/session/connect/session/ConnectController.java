package ai.ojin.session.connect.session;

import ai.ojin.session.connect.client.ClientRateLimit;
import ai.ojin.session.connect.config.ConnectProperties;
import ai.ojin.session.connect.origin.OriginHeader;
import ai.ojin.session.connect.origin.PublicCorsFilter;
import ai.ojin.session.connect.web.ApiException;
import ai.ojin.session.connect.web.ApiExceptionHandler;
import ai.ojin.session.connect.web.ClientWatch;
import ai.ojin.session.connect.web.JsonResponses;
import ai.ojin.session.connect.web.ThreadWait;
import ai.ojin.session.events.command.IdempotencyKeys;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import jakarta.servlet.http.HttpServletRequest;
import java.time.Clock;
import java.time.Duration;
import java.util.Collections;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.CompletableFuture;
import org.springframework.http.CacheControl;
import org.springframework.http.HttpHeaders;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.context.request.async.DeferredResult;

/**
 * {@code POST /v1/public/agents/connect}. The answer is awaited on the request's thread for at
 * most {@code connect.thread-wait} (a rejection or a repeat usually comes back within a few ms and
 * is then answered directly); after that the servlet thread is released for the rest of the wait
 * (a {@link DeferredResult} held at most until the request's deadline, plus a margin: the
 * service's own timeout answers first), and the answer is written after an async dispatch, a
 * second pass through the filters and Spring MVC (counted in {@code connect.requests.released}).
 * Latency is recorded in the
 * timer {@code connect.requests}, tagged with {@code outcome} = {@code ok} or the error code. Every
 * answer carries {@code Cache-Control: no-store} (a success carries a meeting token).
 * <p>
 * {@code Prefer: wait=N} (RFC 7240, N capped at {@code connect.max-wait}) lets the request wait in
 * the agent's line; an honoured wait is answered with {@code Preference-Applied: wait=N}.
 * {@code Idempotency-Key} (1 to 255 printable ASCII characters, else 400 {@code invalid_request})
 * makes a retry safe. While the request is held its client is watched ({@link ClientWatch}): a
 * client that goes away stops the wait.
 */
@RestController
public class ConnectController {

    public static final String RATE_LIMITED = "rate_limited";
    public static final String IDEMPOTENCY_KEY = "Idempotency-Key";
    static final String INVALID_KEY = "Idempotency-Key must be one header of 1 to 255 printable ASCII characters";
    /** How much longer than the service's own wait the web layer holds a request. */
    private static final Duration HOLD_MARGIN = Duration.ofSeconds(5);

    private final ConnectService service;
    private final MeterRegistry meters;
    private final ClientRateLimit clientRateLimit;
    private final ClientWatch clientWatch;
    private final int maxWaitSeconds;
    private final ThreadWait threadWait;
    private final Counter released;
    private final Clock clock;

    public ConnectController(ConnectService service, MeterRegistry meters, ClientRateLimit clientRateLimit, ClientWatch clientWatch,
                             ThreadWait threadWait, ConnectProperties properties, Clock clock) {
        this.service = service;
        this.meters = meters;
        this.clientRateLimit = clientRateLimit;
        this.clientWatch = clientWatch;
        this.maxWaitSeconds = (int) Math.min(Integer.MAX_VALUE, properties.maxWait().toSeconds());
        this.threadWait = threadWait;
        this.released = Counter.builder("connect.requests.released")
                .description("Connects not answered within connect.thread-wait: their thread was released for the rest of the wait")
                .register(meters);
        this.clock = clock;
    }

    /**
     * @return the answer itself when it came within {@code connect.thread-wait} (Spring MVC writes it
     *     on this thread), else a {@link DeferredResult} that is answered after an async dispatch
     */
    @PostMapping(path = PublicCorsFilter.PATH, consumes = MediaType.APPLICATION_JSON_VALUE)
    public Object connect(@RequestBody(required = false) byte[] body, HttpServletRequest request) {
        Timer.Sample sample = Timer.start(meters);
        ConnectService.Exchange exchange = null;
        CompletableFuture<ResponseEntity<byte[]>> response;
        try {
            OptionalLong wait = clientRateLimit.take(request.getRemoteAddr());
            if (wait.isPresent()) {
                throw new ApiException(429, RATE_LIMITED, "Too many connects from this client; retry later",
                        (int) Math.min(Integer.MAX_VALUE, wait.getAsLong()));
            }
            ConnectRequest parsed = ConnectRequest.parse(body);
            String key = idempotencyKey(request);
            int waitSeconds = PreferHeader.waitSeconds(Collections.list(request.getHeaders(PreferHeader.PREFER)), maxWaitSeconds)
                    .orElse(0);
            exchange = service.connect(parsed, OriginHeader.of(request), new ConnectService.Options(waitSeconds, key));
            response = exchange.response();
        } catch (ApiException e) {
            response = CompletableFuture.completedFuture(JsonResponses.error(e));
        }
        Integer applied = exchange == null ? null : exchange.appliedWait();
        CompletableFuture<ResponseEntity<byte[]>> answered = response.thenApply(r -> withHeaders(r, applied))
                .whenComplete((result, error) -> sample.stop(meters.timer("connect.requests", "outcome", outcome(result))));
        Optional<ResponseEntity<byte[]>> prompt = threadWait.await(answered);
        if (prompt.isPresent()) {
            return prompt.get();
        }
        if (exchange == null || answered.isDone()) {
            return withHeaders(ApiExceptionHandler.internalError(), null); // failed at once
        }
        released.increment();
        long holdMillis = Math.max(HOLD_MARGIN.toMillis(), Duration.between(clock.instant(), exchange.due()).plus(HOLD_MARGIN).toMillis());
        DeferredResult<ResponseEntity<byte[]>> result = new DeferredResult<>(holdMillis);
        ClientWatch.Watch watch = clientWatch.watch(request, exchange::clientGone);
        // A timeout or an error of the held request without a read or write of ours comes from the
        // container itself: it times out every held request when it stops, and our own wait ends before
        // the hold does. The wait then goes on in the service (its own timeout releases the session; a
        // success nobody takes is left to the reply path, UnclaimedReplies after a restart), as before.
        // A client that goes away is the watch's to report.
        result.onTimeout(() -> {
            watch.stop();
            result.setResult(withHeaders(ApiExceptionHandler.internalError(), null));
        });
        result.onError(error -> watch.stop());
        result.onCompletion(watch::stop);
        answered.whenComplete((r, error) -> {
            watch.stop(); // before the answer goes to the web layer: no check reads the request after this
            result.setResult(r != null ? r : withHeaders(ApiExceptionHandler.internalError(), null));
        });
        return result;
    }

    /**
     * @return the request's {@code Idempotency-Key}, or null when it has none
     * @throws ApiException 400 {@code invalid_request} when it is not one valid key
     */
    static String idempotencyKey(HttpServletRequest request) {
        List<String> values = Collections.list(request.getHeaders(IDEMPOTENCY_KEY));
        if (values.isEmpty()) {
            return null;
        }
        if (values.size() > 1 || !IdempotencyKeys.valid(values.get(0))) {
            throw ApiException.invalidRequest(INVALID_KEY);
        }
        return values.get(0);
    }

    /** A connect answer may carry a meeting token: no cache may keep it; and the wait applied, if any. */
    private static ResponseEntity<byte[]> withHeaders(ResponseEntity<byte[]> response, Integer appliedWait) {
        HttpHeaders headers = new HttpHeaders();
        headers.addAll(response.getHeaders());
        headers.setCacheControl(CacheControl.noStore());
        if (appliedWait != null) {
            headers.set(PreferHeader.PREFERENCE_APPLIED, "wait=" + appliedWait);
        }
        return new ResponseEntity<>(response.getBody(), headers, response.getStatusCode());
    }

    private static String outcome(ResponseEntity<byte[]> response) {
        if (response == null) {
            return "internal_error";
        }
        if (response.getStatusCode().is2xxSuccessful()) {
            return "ok";
        }
        byte[] body = response.getBody();
        try {
            var node = ai.ojin.session.events.json.Json.MAPPER.readTree(body);
            return node.path("error_code").asString("unknown");
        } catch (RuntimeException e) {
            return "unknown";
        }
    }
}
