package ai.ojin.session.bench;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads the room-worker's own Micrometer meters from its public {@code /actuator/prometheus} (from
 * outside its JVM), and samples its in-flight gauges while a phase runs. Meter names are given in
 * Micrometer's dotted form ({@code room.jobs.in_flight}) and tags as {@code name:value}.
 */
final class WorkerMetrics {

    private final String baseUrl;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    WorkerMetrics(String baseUrl) {
        this.baseUrl = baseUrl;
    }

    /** A gauge's value, or the count of a counter or timer, summed over the series with these tags; NaN when absent. */
    double value(String meter, String... tags) {
        List<Sample> samples = samples(meter);
        if (samples.isEmpty()) {
            return Double.NaN;
        }
        double sum = 0;
        boolean any = false;
        for (Sample sample : samples) {
            if (sample.matches(tags)) {
                sum += sample.value();
                any = true;
            }
        }
        return any ? sum : Double.NaN;
    }

    /** The count of a timer or counter split by the values of one tag (for example outcome), others fixed. */
    Map<String, Long> countsBy(String meter, String tag, String... tags) {
        Map<String, Long> counts = new TreeMap<>();
        for (Sample sample : samples(meter)) {
            String value = sample.tags().get(tag);
            if (value != null && sample.matches(tags)) {
                counts.merge(value, (long) sample.value(), Long::sum);
            }
        }
        return counts;
    }

    /**
     * A timer's cumulative count of observations at most {@code le} seconds (a service-level bucket
     * it publishes), summed over its series; NaN when absent.
     */
    double countAtMost(String meter, double le) {
        String bucket = meter.replace('.', '_') + "_seconds_bucket";
        double sum = Double.NaN;
        for (String line : scrape(familyNames(meter)).split("\n")) {
            if (!line.startsWith(bucket + "{")) {
                continue;
            }
            Matcher m = LABEL.matcher(line.substring(line.indexOf('{') + 1, line.lastIndexOf('}')));
            while (m.find()) {
                if (m.group(1).equals("le") && !m.group(2).equals("+Inf") && Double.parseDouble(m.group(2)) == le) {
                    double value = Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
                    sum = Double.isNaN(sum) ? value : sum + value;
                }
            }
        }
        return sum;
    }

    private record Sample(Map<String, String> tags, double value) {

        boolean matches(String... wanted) {
            for (String tag : wanted) {
                int colon = tag.indexOf(':');
                if (!tag.substring(colon + 1).equals(tags.get(tag.substring(0, colon)))) {
                    return false;
                }
            }
            return true;
        }
    }

    /** The series of one meter: a gauge's value, or a timer's or counter's count. */
    private List<Sample> samples(String meter) {
        String base = meter.replace('.', '_');
        List<String> names = List.of(base, base + "_total", base + "_seconds_count", base + "_count");
        List<Sample> samples = new ArrayList<>();
        for (String line : scrape(familyNames(meter)).split("\n")) {
            if (line.startsWith("#") || line.isBlank()) {
                continue;
            }
            int brace = line.indexOf('{');
            int space = line.lastIndexOf(' ');
            String name = brace >= 0 ? line.substring(0, brace) : line.substring(0, space);
            if (!names.contains(name)) {
                continue;
            }
            Map<String, String> tags = new HashMap<>();
            if (brace >= 0) {
                Matcher m = LABEL.matcher(line.substring(brace + 1, line.lastIndexOf('}')));
                while (m.find()) {
                    tags.put(m.group(1), m.group(2));
                }
            }
            samples.add(new Sample(tags, Double.parseDouble(line.substring(space + 1))));
        }
        return samples;
    }

    private static final Pattern LABEL = Pattern.compile("(\\w+)=\"((?:[^\"\\\\]|\\\\.)*)\"");

    /**
     * The Prometheus names one meter may be published under (gauge, counter, timer): the scrape asks
     * for those only. A whole scrape of the worker costs it ~10 ms of CPU; the sampler scrapes
     * three meters every 250 ms, and whole scrapes were 29 % of the stack's CPU samples (JFR) in an
     * 8 connects/s run, counted as the stack's CPU per connect.
     */
    private static String familyNames(String meter) {
        String base = meter.replace('.', '_');
        return String.join(",", base, base + "_total", base + "_count", base + "_seconds", base + "_seconds_count",
                base + "_seconds_bucket", base + "_seconds_max", base + "_seconds_sum");
    }

    private String scrape(String includedNames) {
        try {
            HttpResponse<String> response = http.send(HttpRequest.newBuilder(URI.create(baseUrl
                            + "/actuator/prometheus?includedNames=" + includedNames))
                    .timeout(Duration.ofSeconds(5)).GET().build(), HttpResponse.BodyHandlers.ofString());
            return response.statusCode() == 200 ? response.body() : "";
        } catch (java.io.IOException e) {
            return "";
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "";
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
