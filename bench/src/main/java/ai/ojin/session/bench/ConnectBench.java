package ai.ojin.session.bench;

import ai.ojin.session.bench.OpenLoopDriver.Result;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * Open-loop benchmark of {@code POST /v1/public/agents/connect}, with the floor measured in the
 * same run: the same HTTP client against a trivial endpoint of the same server
 * ({@code /actuator/health/liveness}) and a plain-client Kafka round trip over the same broker.
 *
 * <p>Without {@code --target} it starts the standalone stack against a local fake Daily and fake
 * orchestrator ({@link BenchStack}): in this JVM, or with {@code --fork true} in a JVM of its own so
 * that the load generator does not share the stack's JVM. Options: {@code --rate 300 --duration 30
 * --warmup 5 --floor-duration (s, default: duration) --scenario admit|reject|mix --agents 1 (admit
 * spread over this many agents) --daily-latency 0 --orchestrator-latency 0 (ms per call)
 * --pool 0 (room.pool.size) --pool-refill-concurrency 4 --self-signed-tokens true
 * --daily-limits off|daily (Daily's published rate limits on the fake and the worker; on by default)
 * --daily-fake-rate 0 (the fake Daily's own global limit) --hang-rate 0 (connects/s of an agent whose every bot start hangs for --hang
 * seconds, sent beside the measured load in the phases --hang-phases off,on marked "on")
 * --name (file stem) --out bench-results --target http://host:8080 --kafka host:9092
 * --worker http://host:8081 --admin-token ...}. With a worker address, every connect phase also
 * reports the worker's own in-flight gauges ({@code room.jobs.in_flight}), its set-up outcomes and
 * its Daily calls per second. {@code --observability off} starts the stack without tracing and without
 * the Prometheus registry and its latency histograms (default {@code on}), to measure what they cost.
 * {@code --timeline FILE} writes each measured connect's due time, latency and outcome there.
 */
public final class ConnectBench {

    private static final String ADMIT_AGENT = "bench-admit";
    private static final String REJECT_AGENT = "bench-reject";
    /** With {@code --hang-rate}: every bot start of this agent hangs in the fake orchestrator. */
    private static final String HANG_AGENT = "bench-hang";

    private final Map<String, String> options;
    private final HttpClient http = BenchHttp.client();
    private String baseUrl;
    private String adminToken;
    private int agents = 1;

    private ConnectBench(Map<String, String> options) {
        this.options = options;
    }

    public static void main(String[] args) throws Exception {
        if (java.util.concurrent.ForkJoinPool.getCommonPoolParallelism() < 2) {
            System.out.println("WARNING: common pool parallelism is " + java.util.concurrent.ForkJoinPool.getCommonPoolParallelism()
                    + ": every async HTTP response starts a thread and the load generator eats the CPU."
                    + " Run through bench/run.sh (it sets -Djava.util.concurrent.ForkJoinPool.common.parallelism=4).");
        }
        new ConnectBench(parse(args)).run();
        System.exit(0);
    }

    /** {@code --name value} pairs. */
    static Map<String, String> parse(String[] args) {
        Map<String, String> options = new HashMap<>();
        for (int i = 0; i + 1 < args.length; i += 2) {
            options.put(args[i].replaceFirst("^--", ""), args[i + 1]);
        }
        return options;
    }

    private void run() throws Exception {
        double rate = Double.parseDouble(options.getOrDefault("rate", "300"));
        long duration = Duration.ofSeconds(Long.parseLong(options.getOrDefault("duration", "30"))).toNanos();
        long floorDuration = Duration.ofSeconds(Long.parseLong(options.getOrDefault("floor-duration",
                String.valueOf(duration / 1_000_000_000L)))).toNanos();
        long warmup = Duration.ofSeconds(Long.parseLong(options.getOrDefault("warmup", "5"))).toNanos();
        String scenario = options.getOrDefault("scenario", "mix");
        Path out = Path.of(options.getOrDefault("out", "bench-results"));
        int maxInFlight = Integer.parseInt(options.getOrDefault("max-in-flight", "20000"));
        Duration dailyLatency = Duration.ofMillis(Long.parseLong(options.getOrDefault("daily-latency", "0")));
        agents = Integer.parseInt(options.getOrDefault("agents", "1"));
        double hangRate = Double.parseDouble(options.getOrDefault("hang-rate", "0"));
        boolean fork = Boolean.parseBoolean(options.getOrDefault("fork", "false"));
        String stem = options.getOrDefault("name",
                scenario + "-" + (long) rate + (dailyLatency.isZero() ? "" : "-daily" + dailyLatency.toMillis() + "ms")
                        + ("0".equals(options.getOrDefault("pool", "0")) ? "" : "-pool" + options.get("pool")));

        String cpuBefore = CpuCheck.run("before");
        System.out.println(cpuBefore);
        BenchStack inProcess = null;
        ForkedStack forked = null;
        String kafka = options.get("kafka");
        String workerUrl = options.get("worker");
        if (options.containsKey("target")) {
            baseUrl = options.get("target");
            adminToken = options.getOrDefault("admin-token", System.getenv().getOrDefault("ADMIN_TOKEN", "local-admin-token"));
        } else {
            Map<String, String> stackOptions = new HashMap<>();
            for (String key : List.of("daily-latency", "orchestrator-latency", "daily-limits", "daily-fake-rate", "hang",
                    "worker-max-in-flight", "observability", "pool", "pool-refill-concurrency", "self-signed-tokens",
                    "client-rate")) {
                if (options.containsKey(key)) {
                    stackOptions.put(key, options.get(key));
                }
            }
            if (hangRate > 0) {
                stackOptions.put("hang-agent", HANG_AGENT);
            }
            if (fork) {
                forked = new ForkedStack(stackOptions, out.resolve(stem + "-stack.log"));
                baseUrl = forked.get("connect");
                kafka = forked.get("kafka");
                workerUrl = forked.get("worker");
                adminToken = forked.get("admin-token");
            } else {
                inProcess = BenchStack.start(stackOptions);
                baseUrl = inProcess.connectUrl();
                kafka = inProcess.kafka();
                workerUrl = inProcess.workerUrl();
                adminToken = inProcess.adminToken();
            }
        }
        WorkerMetrics worker = workerUrl == null ? null : new WorkerMetrics(workerUrl);
        ForkedStack server = forked;
        try {
            setUpAgents();
            prewarm(Long.parseLong(options.getOrDefault("prewarm", "60")), Double.parseDouble(options.getOrDefault("prewarm-rate", "50")),
                    maxInFlight);
            System.out.println(settle(Duration.ofSeconds(Long.parseLong(options.getOrDefault("settle", "20"))), server));
            List<Result> results = new ArrayList<>();
            List<String> notes = new ArrayList<>();
            Result httpFloor = OpenLoopDriver.run("floor: HTTP liveness", rate, floorDuration, warmup, maxInFlight, i -> liveness());
            results.add(httpFloor);
            if (kafka != null) {
                try (KafkaFloor floor = new KafkaFloor(kafka)) {
                    results.add(OpenLoopDriver.run("floor: Kafka round trip", rate, floorDuration, warmup, maxInFlight, floor::roundTrip));
                }
            }
            List<String> phases = hangRate > 0 ? List.of(options.getOrDefault("hang-phases", "off,on").split(",")) : List.of("");
            for (String phase : phases) {
                boolean hang = phase.equals("on");
                String label = "connect: " + scenario + (phase.isEmpty() ? "" : hang ? " (hang)" : " (no hang)");
                long cpu0 = server == null ? 0 : server.cpu().toNanos();
                long wall0 = System.nanoTime();
                Map<String, Long> setups0 = worker == null ? Map.of() : worker.countsBy("room.setups", "outcome");
                Map<String, Long> daily0 = worker == null ? Map.of() : worker.countsBy("room.http.calls", "outcome", "api:daily");
                CompletableFuture<Result> hangRun = null;
                if (hang) {
                    hangRun = CompletableFuture.supplyAsync(() -> OpenLoopDriver.run("connect: hanging agent", hangRate, duration,
                            warmup, maxInFlight, i -> connectAgent(HANG_AGENT)), runnable -> new Thread(runnable, "hang-driver").start());
                }
                Result connect;
                WorkerMetrics.Sampler sampler = worker == null ? null : worker.new Sampler();
                double closed0 = worker == null ? Double.NaN : worker.value("room.teardown.room_closed");
                double closedIn10s0 = worker == null ? Double.NaN : worker.countAtMost("room.teardown.room_closed", 10);
                double closedIn1s0 = worker == null ? Double.NaN : worker.countAtMost("room.teardown.room_closed", 1);
                BenchStack inProcessStack = inProcess;
                FakesOverTime fakesOverTime = server == null && inProcess == null ? null : new FakesOverTime(
                        Duration.ofSeconds(Long.parseLong(options.getOrDefault("stats-every", "60"))),
                        () -> server != null ? server.stats() : ForkedStack.keyValues(inProcessStack.stats()));
                try {
                    connect = OpenLoopDriver.run(label, rate, duration, warmup, maxInFlight, i -> connect(scenario, i),
                            options.containsKey("timeline") ? Path.of(options.get("timeline")
                                    + (phase.isEmpty() ? "" : "-" + phase)) : null);
                } finally {
                    if (sampler != null) {
                        sampler.close();
                    }
                    if (fakesOverTime != null) {
                        notes.add(label + ": fakes every " + options.getOrDefault("stats-every", "60") + " s (rooms that exist on "
                                + "Daily, rooms open, bots running): " + fakesOverTime.close());
                    }
                }
                if (worker != null && !Double.isNaN(closed0)) {
                    double closed = worker.value("room.teardown.room_closed") - closed0;
                    double in10s = worker.countAtMost("room.teardown.room_closed", 10) - closedIn10s0;
                    double in1s = worker.countAtMost("room.teardown.room_closed", 1) - closedIn1s0;
                    notes.add(String.format(java.util.Locale.ROOT, "%s: rooms closed after their session's end %.0f, of which "
                                    + "within 10 s %.0f, within 1 s %.0f (room.teardown.room_closed); rooms resting "
                                    + "for reuse %.0f, closed rooms waiting for a delete %.0f", label, closed, in10s, in1s,
                            worker.value("room.pool.resting"), worker.value("room.teardown.room_deletes.pending")));
                }
                results.add(connect);
                if (hangRun != null) {
                    results.add(hangRun.join());
                }
                if (sampler != null) {
                    notes.add(String.format(java.util.Locale.ROOT,
                            "%s: worker gauges (every 250 ms): max set-ups in flight %d, max tear-downs in flight %d,"
                                    + " max both %d; Daily calls finished %.1f/s over the measured window",
                            label, sampler.maxSetups.get(), sampler.maxTeardowns.get(), sampler.maxBoth.get(),
                            sampler.dailyCallRate(wall0 + warmup, wall0 + warmup + duration)));
                    notes.add(label + ": worker set-up outcomes " + delta(setups0, worker.countsBy("room.setups", "outcome"))
                            + ", Daily call outcomes " + delta(daily0, worker.countsBy("room.http.calls", "outcome", "api:daily")));
                }
                if (server != null) {
                    double seconds = (System.nanoTime() - wall0) / 1e9;
                    double cpuMs = (server.cpu().toNanos() - cpu0) / 1e6;
                    double started = (rate + (hang ? hangRate : 0)) * (warmup + duration) / 1e9;
                    notes.add(String.format(java.util.Locale.ROOT, "%s: stack JVM used %.2f cores over the phase (%.1f ms of CPU per connect sent)",
                            label, cpuMs / 1000 / seconds, cpuMs / started));
                }
            }
            if (inProcess != null && Boolean.parseBoolean(options.getOrDefault("client-metrics", "false"))) {
                ClientMetrics.print();
                ClientMetrics.printCpuByThreadGroup();
            }
            String fakes = server != null ? server.stats().toString() : inProcess != null ? inProcess.stats() : "";
            if (!fakes.isEmpty()) {
                notes.add("fakes since start: " + fakes);
            }
            notes.add(BenchHttp.failedEnds());
            if (!options.containsKey("target")) {
                notes.add("settings changed from a user's defaults: " + BenchStack.changedSettings(options)
                        + "; fakes: Daily " + options.getOrDefault("daily-latency", "0") + " ms per call, its published rate "
                        + "limits " + (BenchStack.dailyLimits(options) ? "enforced" : "OFF") + ", orchestrator "
                        + options.getOrDefault("orchestrator-latency", "0") + " ms per call");
            }
            notes.add(server != null ? "stack in its own JVM (pid " + server.pid() + "); cpu ms/op above is the load generator's JVM only"
                    : inProcess != null ? "stack in this JVM; cpu ms/op above is stack + load generator" : "stack at " + baseUrl);
            String cpuAfter = CpuCheck.run("after");
            String load = Files.readString(Path.of("/proc/loadavg")).trim();
            String table = Report.table(results, httpFloor) + String.join("\n", notes) + "\n" + cpuBefore + "\n" + cpuAfter
                    + "\nload average after: " + load + "\n";
            System.out.println();
            System.out.print(table);
            Map<String, Object> context = new LinkedHashMap<>();
            context.put("scenario", scenario);
            context.put("target", options.getOrDefault("target", fork ? "standalone stack in its own JVM" : "in-process standalone stack"));
            context.put("options", new java.util.TreeMap<>(options));
            context.put("rate", rate);
            context.put("duration_seconds", duration / 1e9);
            context.put("daily_latency_ms", dailyLatency.toMillis());
            context.put("cores", Runtime.getRuntime().availableProcessors());
            context.put("notes", notes);
            context.put("cpu_check_before", cpuBefore);
            context.put("cpu_check_after", cpuAfter);
            context.put("load_average_after", load);
            context.put("orchestrator_latency_ms", Long.parseLong(options.getOrDefault("orchestrator-latency", "0")));
            context.put("pool", Integer.parseInt(options.getOrDefault("pool", "0")));
            context.put("self_signed_tokens", Boolean.parseBoolean(options.getOrDefault("self-signed-tokens", "true")));
            Report.writeJson(out.resolve(stem + ".json"), context, results);
            Report.writePlot(out.resolve(stem + ".png"), "connect (" + scenario + ") at " + (long) rate + "/s vs floor", results);
            Files.writeString(out.resolve(stem + ".txt"), "options: " + new java.util.TreeMap<>(options) + "\n" + table);
            System.out.println("written: " + out.resolve(stem + ".{txt,json,png}"));
        } finally {
            if (forked != null) {
                forked.close();
            }
            if (inProcess != null) {
                inProcess.close();
            }
        }
    }

    /** Samples the fakes' counters (rooms on Daily, open rooms, live bots) every {@code every} until closed. */
    private static final class FakesOverTime {

        private final StringBuilder samples = new StringBuilder();
        private final Thread thread;
        private volatile boolean running = true;

        FakesOverTime(Duration every, java.util.concurrent.Callable<Map<String, String>> stats) {
            long start = System.nanoTime();
            thread = new Thread(() -> {
                while (running) {
                    try {
                        Thread.sleep(every.toMillis());
                        record((System.nanoTime() - start) / 1_000_000_000L, stats.call());
                    } catch (InterruptedException e) {
                        return;
                    } catch (Exception e) {
                        record((System.nanoTime() - start) / 1_000_000_000L, Map.of("error", e.toString()));
                    }
                }
            }, "fakes-over-time");
            thread.setDaemon(true);
            thread.start();
        }

        private synchronized void record(long second, Map<String, String> stats) {
            System.out.println("fakes at " + second + " s: " + stats);
            samples.append(samples.isEmpty() ? "" : "; ").append(second).append(" s: ")
                    .append(stats.getOrDefault("roomsLive", "?")).append('/').append(stats.getOrDefault("roomsOpen", "?"))
                    .append('/').append(stats.getOrDefault("botsLive", "?"));
        }

        synchronized String close() throws InterruptedException {
            running = false;
            thread.interrupt();
            return samples.toString();
        }
    }

    private static Map<String, Long> delta(Map<String, Long> before, Map<String, Long> after) {
        Map<String, Long> delta = new java.util.TreeMap<>();
        after.forEach((k, v) -> {
            long d = v - before.getOrDefault(k, 0L);
            if (d != 0) {
                delta.put(k, d);
            }
        });
        return delta;
    }

    /**
     * Runs the mixed connect scenario and the floor endpoint at a moderate rate, results discarded,
     * so that the JIT has compiled the request paths before anything is measured: on this 2-core
     * machine the C2 compiler alone still took ~40 % of a core a minute after start-up.
     */
    private void prewarm(long seconds, double rate, int maxInFlight) {
        if (seconds <= 0) {
            return;
        }
        long nanos = Duration.ofSeconds(seconds).toNanos();
        System.out.printf("pre-warming for %d s at %.0f/s (not measured)%n", seconds, rate);
        OpenLoopDriver.run("prewarm: connect", rate, nanos * 2 / 3, 0, maxInFlight, i -> connect("mix", i));
        OpenLoopDriver.run("prewarm: liveness", rate, nanos / 3, 0, maxInFlight, i -> liveness());
    }

    /**
     * Lets the freshly started stack settle (JIT compilation, first metadata refreshes) before the
     * floors are measured, then reports what it burns when idle over the last 5 s.
     */
    private static String settle(Duration settle, ForkedStack server) throws InterruptedException {
        Duration probe = Duration.ofSeconds(5);
        Thread.sleep(Math.max(0, settle.minus(probe).toMillis()));
        long cpu0 = OpenLoopDriver.processCpuNanos();
        long server0 = server == null ? 0 : server.cpu().toNanos();
        long wall0 = System.nanoTime();
        Thread.sleep(probe.toMillis());
        long wall = System.nanoTime() - wall0;
        double cores = (OpenLoopDriver.processCpuNanos() - cpu0) / (double) wall;
        String result = String.format(java.util.Locale.ROOT, "idle CPU of this JVM after %d s of settling: %.2f cores", settle.toSeconds(), cores);
        if (server != null) {
            result += String.format(java.util.Locale.ROOT, "; of the stack's JVM: %.2f cores", (server.cpu().toNanos() - server0) / (double) wall);
        }
        return result;
    }

    private void setUpAgents() throws Exception {
        putAgent(ADMIT_AGENT, 10_000);
        for (int k = 0; k < agents && agents > 1; k++) {
            putAgent(ADMIT_AGENT + "-" + k, 10_000);
        }
        if (Double.parseDouble(options.getOrDefault("hang-rate", "0")) > 0) {
            putAgent(HANG_AGENT, 10_000);
        }
        putAgent(REJECT_AGENT, 1);
        // Hold the reject agent's only slot for the whole run.
        HttpResponse<String> held = http.send(connectRequest(REJECT_AGENT), HttpResponse.BodyHandlers.ofString());
        if (held.statusCode() != 200 && held.statusCode() != 429) {
            throw new IllegalStateException("cannot hold the reject agent's slot: " + held.statusCode() + " " + held.body());
        }
    }

    private void putAgent(String agentId, int maxConcurrency) throws Exception {
        BenchHttp.putAgent(http, baseUrl, adminToken, agentId, maxConcurrency);
    }

    private boolean observability() {
        return !"off".equals(options.getOrDefault("observability", "on"));
    }

    /** What a Prometheus server does every scrape interval: read the whole exposition. */
    private void scrape(String base) {
        try {
            HttpResponse<String> response = http.send(HttpRequest.newBuilder(URI.create(base + "/actuator/prometheus")).GET()
                    .build(), HttpResponse.BodyHandlers.ofString());
            if (response.statusCode() != 200) {
                System.out.println("scrape of " + base + " answered " + response.statusCode());
            }
        } catch (IOException e) {
            System.out.println("scrape of " + base + " failed: " + e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private CompletableFuture<String> liveness() {
        return BenchHttp.liveness(http, baseUrl);
    }

    private CompletableFuture<String> connect(String scenario, long i) {
        String agentId = switch (scenario) {
            case "admit" -> agents > 1 ? ADMIT_AGENT + "-" + (i % agents) : ADMIT_AGENT;
            case "reject" -> REJECT_AGENT;
            default -> i % 2 == 0 ? ADMIT_AGENT : REJECT_AGENT;
        };
        return connectAgent(agentId);
    }

    /** One connect for {@code agentId}; an admitted session is ended at once (not measured). */
    private CompletableFuture<String> connectAgent(String agentId) {
        return BenchHttp.connect(http, baseUrl, adminToken, agentId, "bench");
    }

    private HttpRequest connectRequest(String agentId) {
        return BenchHttp.connectRequest(baseUrl, agentId, "bench");
    }

    static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }
}
