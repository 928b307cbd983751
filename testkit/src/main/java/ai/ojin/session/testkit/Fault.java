package ai.ojin.session.testkit;

import java.time.Duration;
import java.util.Map;

/**
 * A scripted misbehaviour of a fake HTTP server for the next calls that match a method and a path
 * prefix (see {@link FakeHttpServer#failNext}).
 *
 * @param status the status to answer, ignored when {@code proceedAfterHang} is true
 * @param body the JSON body to answer with (may be null for an empty body)
 * @param headers extra response headers (for example {@code Retry-After})
 * @param hang how long to hold the call before answering (zero for none)
 * @param proceedAfterHang true: after the hang, serve the call normally (so a room is created
 *     after the client gave up waiting)
 */
public record Fault(int status, String body, Map<String, String> headers, Duration hang, boolean proceedAfterHang) {

    public Fault {
        headers = headers == null ? Map.of() : Map.copyOf(headers);
        hang = hang == null ? Duration.ZERO : hang;
    }

    /** Answer {@code status} with a Daily-style error body. */
    public static Fault status(int status) {
        return new Fault(status, "{\"error\":\"server-error\",\"info\":\"injected failure " + status + "\"}", Map.of(),
                Duration.ZERO, false);
    }

    /** Answer 429 with {@code Retry-After} in whole seconds. */
    public static Fault tooManyRequests(Duration retryAfter) {
        return new Fault(429, "{\"error\":\"rate-limit-error\",\"info\":\"injected rate limit\"}",
                Map.of("Retry-After", String.valueOf(Math.max(0, retryAfter.toSeconds()))), Duration.ZERO, false);
    }

    /** Hold the call for {@code hang}, then answer 504 (the client should have timed out by then). */
    public static Fault hang(Duration hang) {
        return new Fault(504, "{\"error\":\"timeout\",\"info\":\"injected hang\"}", Map.of(), hang, false);
    }

    /** Hold the call for {@code hang}, then serve it normally (its effect happens late). */
    public static Fault hangThenProceed(Duration hang) {
        return new Fault(0, null, Map.of(), hang, true);
    }
}
