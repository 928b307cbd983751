package ai.ojin.session.bench;

import ai.ojin.session.events.json.Json;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicInteger;
import tools.jackson.databind.JsonNode;

/**
 * Reads the room-worker's own Micrometer meters over {@code /actuator/metrics} (from outside its
 * JVM), and samples its in-flight gauges while a phase runs.
 */
final class WorkerMetrics {

    private final String baseUrl;
    private final String adminToken;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    /** {@code /actuator/metrics} needs the admin token. */
    WorkerMetrics(String baseUrl, String adminToken) {
        this.baseUrl = baseUrl;
        this.adminToken = adminToken;
    }

    /** The meter's first measurement (VALUE of a gauge, COUNT of a counter or timer), NaN when absent. */
    double value(String meter, String... tags) {
        JsonNode json = get(meter, tags);
        if (json == null) {
            return Double.NaN;
        }
        return json.path("measurements").path(0).path("value").asDouble(Double.NaN);
    }

    /** COUNT of a timer or counter split by the values of one tag (for example outcome), others fixed. */
    Map<String, Long> countsBy(String meter, String tag, String... tags) {
        Map<String, Long> counts = new TreeMap<>();
        JsonNode json = get(meter, tags);
        if (json == null) {
            return counts;
        }
        for (JsonNode available : json.path("availableTags")) {
            if (tag.equals(available.path("tag").asString())) {
                for (JsonNode v : available.path("values")) {
                    String[] more = java.util.Arrays.copyOf(tags, tags.length + 1);
                    more[tags.length] = tag + ":" + v.asString();
                    counts.put(v.asString(), (long) value(meter, more));
                }
            }
        }
        return counts;
    }

    private JsonNode get(String meter, String... tags) {
        StringBuilder url = new StringBuilder(baseUrl).append("/actuator/metrics/").append(meter);
        for (int i = 0; i < tags.length; i++) {
            url.append(i == 0 ? '?' : '&').append("tag=").append(URLEncoder.encode(tags[i], StandardCharsets.UTF_8));
        }
        try {
            HttpResponse<String> response = http.send(HttpRequest.newBuilder(URI.create(url.toString()))
                    .header("Authorization", "Bearer " + adminToken)
                    .timeout(Duration.ofSeconds(5)).GET().build(), HttpResponse.BodyHandlers.ofString());
            if (response.statusCode() == 401 || response.statusCode() == 403) {
                throw new IllegalStateException("the worker refuses the admin token for " + url + ": " + response.statusCode());
            }
            return response.statusCode() == 200 ? Json.MAPPER.readTree(response.body()) : null;
        } catch (java.io.IOException e) {
            return null;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return null;
        }
    }

    /** Samples the set-up and tear-down in-flight gauges and the Daily call count every 250 ms until closed; keeps the maxima. */
    final class Sampler implements AutoCloseable {

        final AtomicInteger maxSetups = new AtomicInteger();
        final AtomicInteger maxTeardowns = new AtomicInteger();
        final AtomicInteger maxBoth = new AtomicInteger();
        /** (nanoTime, Daily calls finished so far) pairs. */
        private final java.util.List<long[]> dailyCalls = new java.util.concurrent.CopyOnWriteArrayList<>();
        private final Thread thread;
        private volatile boolean running = true;

        Sampler() {
            thread = new Thread(() -> {
                while (running) {
                    double setups = value("room.jobs.in_flight", "kind:setup");
                    double teardowns = value("room.jobs.in_flight", "kind:teardown");
                    if (!Double.isNaN(setups)) {
                        maxSetups.accumulateAndGet((int) setups, Math::max);
                    }
                    if (!Double.isNaN(teardowns)) {
                        maxTeardowns.accumulateAndGet((int) teardowns, Math::max);
                    }
                    if (!Double.isNaN(setups) && !Double.isNaN(teardowns)) {
                        maxBoth.accumulateAndGet((int) (setups + teardowns), Math::max);
                    }
                    double daily = value("room.http.calls", "api:daily");
                    if (!Double.isNaN(daily)) {
                        dailyCalls.add(new long[] {System.nanoTime(), (long) daily});
                    }
                    try {
                        Thread.sleep(250);
                    } catch (InterruptedException e) {
                        return;
                    }
                }
            }, "worker-gauge-sampler");
            thread.setDaemon(true);
            thread.start();
        }

        /** Daily calls finished per second between two instants (nanoTime), from the samples within. */
        double dailyCallRate(long from, long to) {
            long[] first = null;
            long[] last = null;
            for (long[] sample : dailyCalls) {
                if (sample[0] >= from && sample[0] <= to) {
                    first = first == null ? sample : first;
                    last = sample;
                }
            }
            return first == null || last == first ? Double.NaN : (last[1] - first[1]) / ((last[0] - first[0]) / 1e9);
        }

        @Override
        public void close() throws InterruptedException {
            running = false;
            thread.interrupt();
            thread.join();
        }
    }
}
