package ai.ojin.session.connect.client;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.OptionalLong;
import java.util.function.LongSupplier;

/**
 * A token bucket per client address for the public connect call: {@code perSecond} connects a
 * second on average, bursts of {@code burst}. The Origin header is forgeable outside a browser, so
 * this is what stops one script from holding an agent's slots. At most {@code maxClients}
 * addresses are tracked (the least recently seen is forgotten first, which only forgives it).
 * Time comes from an injected nanosecond ticker.
 */
public final class ClientRateLimit {

    private final double perNano;
    private final double burst;
    private final LongSupplier nanoTime;
    private final Map<String, double[]> buckets;

    /** @param perSecond 0 or less: no limit */
    public ClientRateLimit(double perSecond, int burst, int maxClients, LongSupplier nanoTime) {
        this.perNano = perSecond / 1e9;
        this.burst = Math.max(1, burst);
        this.nanoTime = nanoTime;
        this.buckets = new LinkedHashMap<>(1024, 0.75f, true) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<String, double[]> eldest) {
                return size() > maxClients;
            }
        };
    }

    /**
     * Takes one connect for this client. @return empty when allowed, else how many whole seconds
     * (at least 1) until the next one is
     */
    public OptionalLong take(String client) {
        if (perNano <= 0) {
            return OptionalLong.empty();
        }
        long now = nanoTime.getAsLong();
        synchronized (buckets) {
            // bucket = {tokens, last refill in nanos}
            double[] bucket = buckets.computeIfAbsent(client, c -> new double[] {burst, now});
            bucket[0] = Math.min(burst, bucket[0] + (now - (long) bucket[1]) * perNano);
            bucket[1] = now;
            if (bucket[0] >= 1) {
                bucket[0] -= 1;
                return OptionalLong.empty();
            }
            double waitNanos = (1 - bucket[0]) / perNano;
            return OptionalLong.of(Math.max(1, (long) Math.ceil(waitNanos / 1e9)));
        }
    }
}
