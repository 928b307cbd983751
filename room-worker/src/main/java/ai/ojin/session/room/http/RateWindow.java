package ai.ojin.session.room.http;

import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A published rate limit: at most {@code requests} in any window of {@code length} (Daily: "20
 * requests per second or 100 per 5 seconds" is {@code 20/1s,100/5s}).
 */
public record RateWindow(int requests, Duration length) {

    /** The share of the tightest window's average rate {@link #safeRate} uses (room for network jitter). */
    public static final double HEADROOM = 0.95;

    private static final Pattern SPEC = Pattern.compile("(\\d+)/(\\d+)(ms|s|m)");

    public RateWindow {
        if (requests < 1 || length.isZero() || length.isNegative()) {
            throw new IllegalArgumentException("a rate window needs at least one request and a positive length");
        }
    }

    /** Windows written as {@code <requests>/<length>[,...]}, the length in {@code ms}, {@code s} or {@code m}. */
    public static List<RateWindow> parse(String spec) {
        return Arrays.stream(spec.split(",")).map(String::strip).map(one -> {
            Matcher m = SPEC.matcher(one);
            if (!m.matches()) {
                throw new IllegalArgumentException("'" + one + "' is not <requests>/<length> such as 20/1s");
            }
            long amount = Long.parseLong(m.group(2));
            Duration length = switch (m.group(3)) {
                case "ms" -> Duration.ofMillis(amount);
                case "s" -> Duration.ofSeconds(amount);
                default -> Duration.ofMinutes(amount);
            };
            return new RateWindow(Integer.parseInt(m.group(1)), length);
        }).toList();
    }

    /**
     * The rate (per second) of a token bucket with a burst of one permit that keeps every window:
     * {@link #HEADROOM} times the tightest window's average ({@code min(requests / length)}). With a
     * burst of one, two permits are at least {@code 1 / rate} apart, so a window of length T (ends
     * included) holds at most {@code floor(rate * T) + 1} of them, and {@code rate * T < requests}
     * makes that at most {@code requests}. Daily's standard family (20/1s, 100/5s): 19/s, at most 20
     * per second and 96 per 5 s; its room deletes (2/1s, 50/30s): 1.58/s, at most 2 per second and
     * 48 per 30 s.
     */
    public static double safeRate(List<RateWindow> windows) {
        return HEADROOM * windows.stream().mapToDouble(w -> w.requests() / (w.length().toNanos() / 1e9)).min()
                .orElseThrow(() -> new IllegalArgumentException("no rate window"));
    }

    @Override
    public String toString() {
        long millis = length.toMillis();
        return requests + "/" + (millis % 1000 == 0 ? millis / 1000 + "s" : millis + "ms");
    }
}
