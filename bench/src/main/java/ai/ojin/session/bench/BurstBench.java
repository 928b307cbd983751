package ai.ojin.session.bench;

import ai.ojin.session.bench.OpenLoopDriver.Result;
import java.net.http.HttpClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.LockSupport;
import java.util.function.IntFunction;
import org.HdrHistogram.Recorder;

/**
 * Bursts of connects, as a page that many users open at once produces them: {@code --waves 3} waves
 * of {@code --per-wave 40} connects spread over {@code --agents 8} agents, {@code --gap-ms 300}
 * apart, repeated for {@code --rounds 5} measured rounds after {@code --warm-rounds 3} that are not
 * measured, {@code --round-gap-s 5} between rounds. Every connect is timed from the moment its wave
 * was due (open loop: a slow answer never delays the next wave). An admitted session is ended at
 * once (not timed), so every round starts on empty agents ({@code --max-concurrency 10000} per
 * agent by default: every connect is an admission, the hard case).
 *
 * <p>The stack runs in a JVM of its own ({@link ForkedStack}) with the fakes' latencies given by
 * {@code --daily-latency} and {@code --orchestrator-latency} (ms per call, 300 by default), the warm
 * pool as {@code --pool} (0, off, by default), and Daily's published rate limits enforced by the
 * fake. The floor is measured in the same run: the same waves against
 * {@code /actuator/health/liveness} of the same server. The report names every setting changed
 * from a user's defaults.
 */
public final class BurstBench {

    private static final long MAX_LATENCY_NANOS = TimeUnit.SECONDS.toNanos(60);

    private final HttpClient http = BenchHttp.client();
    private final Map<String, String> options;
    private String baseUrl;
    private String adminToken;

    private BurstBench(Map<String, String> options) {
        this.options = options;
    }

    public static void main(String[] args) throws Exception {
        new BurstBench(ConnectBench.parse(args)).run();
        System.exit(0);
    }

    private int option(String name, int otherwise) {
        return Integer.parseInt(options.getOrDefault(name, String.valueOf(otherwise)));
    }

    private void run() throws Exception {
        int waves = option("waves", 3);
        int perWave = option("per-wave", 40);
        int agents = option("agents", 8);
        long gapNanos = TimeUnit.MILLISECONDS.toNanos(option("gap-ms", 300));
        int rounds = option("rounds", 5);
        int warmRounds = option("warm-rounds", 3);
        Duration roundGap = Duration.ofSeconds(option("round-gap-s", 5));
        long limitMillis = option("limit-ms", 2500);
        Path out = Path.of(options.getOrDefault("out", "bench-results"));
        String stem = options.getOrDefault("name", "burst-" + waves + "x" + perWave);

        Map<String, String> stackOptions = new HashMap<>();
        stackOptions.put("daily-latency", options.getOrDefault("daily-latency", "300"));
        stackOptions.put("orchestrator-latency", options.getOrDefault("orchestrator-latency", "300"));
        stackOptions.put("pool", options.getOrDefault("pool", "0"));
        stackOptions.put("client-rate", "0"); // the load generator is one client address
        for (String key : List.of("daily-limits", "self-signed-tokens", "observability")) {
            if (options.containsKey(key)) {
                stackOptions.put(key, options.get(key));
            }
        }
        String cpuBefore = CpuCheck.run("before");
        System.out.println(cpuBefore);
        try (ForkedStack stack = new ForkedStack(stackOptions, out.resolve(stem + "-stack.log"))) {
            baseUrl = stack.get("connect");
            adminToken = stack.get("admin-token");
            List<String> agentIds = new ArrayList<>();
            for (int k = 0; k < agents; k++) {
                agentIds.add("bench-burst-" + k);
                BenchHttp.putAgent(http, baseUrl, adminToken, agentIds.get(k), option("max-concurrency", 10_000));
            }
            IntFunction<CompletableFuture<String>> connect = i -> connect(agentIds.get(i % agentIds.size()));
            IntFunction<CompletableFuture<String>> liveness = i -> liveness();

            System.out.printf("%d warm-up rounds (not measured)%n", warmRounds);
            for (int r = 0; r < warmRounds; r++) {
                bursts(waves, perWave, gapNanos, connect, null, null);
                Thread.sleep(roundGap.toMillis());
            }
            Recorder floorLatencies = new Recorder(MAX_LATENCY_NANOS, 3);
            Recorder connectLatencies = new Recorder(MAX_LATENCY_NANOS, 3);
            Map<String, LongAdder> floorOutcomes = new ConcurrentHashMap<>();
            Map<String, LongAdder> connectOutcomes = new ConcurrentHashMap<>();
            List<Long> roundMaxMillis = new ArrayList<>();
            long cpu0 = stack.cpu().toNanos();
            long wall0 = System.nanoTime();
            for (int r = 0; r < rounds; r++) {
                bursts(waves, perWave, gapNanos, liveness, floorLatencies, floorOutcomes);
                Thread.sleep(1000);
                Recorder round = new Recorder(MAX_LATENCY_NANOS, 3);
                bursts(waves, perWave, gapNanos, connect, round, connectOutcomes);
                var roundHistogram = round.getIntervalHistogram();
                roundMaxMillis.add(roundHistogram.getMaxValue() / 1_000_000);
                roundHistogram.recordedValues().forEach(v ->
                        connectLatencies.recordValueWithCount(v.getValueIteratedTo(), v.getCountAtValueIteratedTo()));
                System.out.printf(Locale.ROOT, "round %d: slowest connect %d ms%n", r + 1, roundMaxMillis.get(r));
                Thread.sleep(roundGap.toMillis());
            }
            double cores = (stack.cpu().toNanos() - cpu0) / (double) (System.nanoTime() - wall0);
            var connects = connectLatencies.getIntervalHistogram();
            long over = connects.getTotalCount() - connects.getCountBetweenValues(0, TimeUnit.MILLISECONDS.toNanos(limitMillis));
            double seconds = rounds * (waves - 1) * gapNanos / 1e9;
            Result floor = new Result("floor: liveness, same waves", 0, floorLatencies.getIntervalHistogram(), sorted(floorOutcomes),
                    0, seconds, 0);
            Result result = new Result("connect: " + waves + " waves of " + perWave, 0, connects, sorted(connectOutcomes), 0,
                    seconds, 0);
            String table = Report.table(List.of(floor, result), floor)
                    + String.format(Locale.ROOT, "connects answered after %d ms: %d of %d; slowest per round (ms): %s%n", limitMillis,
                    over, connects.getTotalCount(), roundMaxMillis)
                    + String.format(Locale.ROOT, "stack JVM (pid %d) used %.2f cores on average over the measured rounds (waits between "
                    + "rounds included)%n", stack.pid(), cores)
                    + "settings changed from a user's defaults: " + BenchStack.changedSettings(stackOptions)
                    + "; fakes: Daily " + stackOptions.get("daily-latency") + " ms per call, its published rate limits "
                    + (BenchStack.dailyLimits(stackOptions) ? "enforced" : "OFF") + ", orchestrator "
                    + stackOptions.get("orchestrator-latency") + " ms per call\n"
                    + "fakes since start: " + stack.stats() + "\n" + BenchHttp.failedEnds() + "\n" + cpuBefore + "\n" + CpuCheck.run("after") + "\n";
            System.out.println();
            System.out.print(table);
            Files.createDirectories(out);
            Files.writeString(out.resolve(stem + ".txt"), "options: " + new TreeMap<>(options) + "\n" + table);
            System.out.println("written: " + out.resolve(stem + ".txt"));
        }
    }

    /**
     * Sends the waves (each wave's connects at once, the next wave {@code gapNanos} later, whatever
     * the answers) and waits for every answer; latencies from the wave's due time.
     */
    private static void bursts(int waves, int perWave, long gapNanos, IntFunction<CompletableFuture<String>> operation,
            Recorder latencies, Map<String, LongAdder> outcomes) {
        List<CompletableFuture<?>> all = new ArrayList<>();
        long start = System.nanoTime();
        for (int w = 0; w < waves; w++) {
            long due = start + w * gapNanos;
            long wait = due - System.nanoTime();
            if (wait > 0) {
                LockSupport.parkNanos(wait);
            }
            for (int k = 0; k < perWave; k++) {
                all.add(operation.apply(w * perWave + k).handle((outcome, error) -> {
                    if (latencies != null) {
                        latencies.recordValue(Math.min(System.nanoTime() - due, MAX_LATENCY_NANOS));
                        outcomes.computeIfAbsent(error == null ? outcome : "error " + error.getClass().getSimpleName(),
                                key -> new LongAdder()).increment();
                    }
                    return null;
                }));
            }
        }
        CompletableFuture.allOf(all.toArray(CompletableFuture[]::new)).orTimeout(90, TimeUnit.SECONDS).exceptionally(e -> null).join();
    }

    private static TreeMap<String, Long> sorted(Map<String, LongAdder> outcomes) {
        TreeMap<String, Long> sorted = new TreeMap<>();
        outcomes.forEach((k, v) -> sorted.put(k, v.sum()));
        return sorted;
    }

    private CompletableFuture<String> connect(String agentId) {
        return BenchHttp.connect(http, baseUrl, adminToken, agentId, "burst");
    }

    private CompletableFuture<String> liveness() {
        return BenchHttp.liveness(http, baseUrl);
    }
}
