package ai.ojin.session.connect.session;

import ai.ojin.session.connect.client.ClientRateLimit;
import ai.ojin.session.connect.origin.OriginHeader;
import ai.ojin.session.connect.origin.PublicCorsFilter;
import ai.ojin.session.connect.web.ApiException;
import ai.ojin.session.connect.web.JsonResponses;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import jakarta.servlet.http.HttpServletRequest;
import java.util.OptionalLong;
import java.util.concurrent.CompletableFuture;
import org.springframework.http.CacheControl;
import org.springframework.http.HttpHeaders;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RestController;

/**
 * {@code POST /v1/public/agents/connect}. The servlet thread is released while the reply is
 * awaited (the handler returns a {@link CompletableFuture}). Latency is recorded in the timer
 * {@code connect.requests}, tagged with {@code outcome} = {@code ok} or the error code. Every
 * answer carries {@code Cache-Control: no-store} (a success carries a meeting token).
 */
@RestController
public class ConnectController {

    public static final String RATE_LIMITED = "rate_limited";

    private final ConnectService service;
    private final MeterRegistry meters;
    private final ClientRateLimit clientRateLimit;

    public ConnectController(ConnectService service, MeterRegistry meters, ClientRateLimit clientRateLimit) {
        this.service = service;
        this.meters = meters;
        this.clientRateLimit = clientRateLimit;
    }

    @PostMapping(path = PublicCorsFilter.PATH, consumes = MediaType.APPLICATION_JSON_VALUE)
    public CompletableFuture<ResponseEntity<byte[]>> connect(@RequestBody(required = false) byte[] body, HttpServletRequest request) {
        Timer.Sample sample = Timer.start(meters);
        CompletableFuture<ResponseEntity<byte[]>> response;
        try {
            OptionalLong wait = clientRateLimit.take(request.getRemoteAddr());
            if (wait.isPresent()) {
                throw new ApiException(429, RATE_LIMITED, "Too many connects from this client; retry later",
                        (int) Math.min(Integer.MAX_VALUE, wait.getAsLong()));
            }
            response = service.connect(ConnectRequest.parse(body), OriginHeader.of(request));
        } catch (ApiException e) {
            response = CompletableFuture.completedFuture(JsonResponses.error(e));
        }
        return response.thenApply(ConnectController::noStore)
                .whenComplete((result, error) -> sample.stop(meters.timer("connect.requests", "outcome", outcome(result))));
    }

    /** A connect answer may carry a meeting token: no cache may keep it. */
    private static ResponseEntity<byte[]> noStore(ResponseEntity<byte[]> response) {
        HttpHeaders headers = new HttpHeaders();
        headers.addAll(response.getHeaders());
        headers.setCacheControl(CacheControl.noStore());
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
