package ai.ojin.session.bench;

import ai.ojin.session.bench.OpenLoopDriver.Result;
import ai.ojin.session.standalone.StandaloneSettings;
import ai.ojin.session.standalone.StandaloneStack;
import ai.ojin.session.testkit.FakeDaily;
import ai.ojin.session.testkit.FakeOrchestrator;
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
import java.util.concurrent.Executors;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Open-loop benchmark of {@code POST /v1/public/agents/connect}, with the floor measured in the
 * same run: the same HTTP client against a trivial endpoint of the same server
 * ({@code /actuator/health/liveness}) and a plain-client Kafka round trip over the same broker.
 *
 * <p>Without {@code --target} it starts the standalone stack in this JVM (its own KRaft broker,
 * all four services) against a local fake Daily and fake orchestrator, whose latency
 * {@code --daily-latency} sets. Options: {@code --rate 300 --duration 30 --warmup 5
 * --scenario admit|reject|mix --daily-latency 0 (ms) --orchestrator-latency 0 (ms) --pool 0 (room.pool.size)
 * --pool-refill-concurrency 4 --self-signed-tokens true --daily-rate 0 (requests/s, 0 = unlimited)
 * --out bench-results --target http://host:8080 --kafka host:9092 --admin-token ...}.
 */
public final class ConnectBench {

    private static final Pattern ERROR_CODE = Pattern.compile("\"error_code\"\\s*:\\s*\"([a-z_]+)\"");
    private static final Pattern SESSION_ID = Pattern.compile("\"session_id\"\\s*:\\s*\"([A-Za-z0-9_-]+)\"");
    private static final String ADMIT_AGENT = "bench-admit";
    private static final String REJECT_AGENT = "bench-reject";

    private final Map<String, String> options;
    private final HttpClient http = HttpClient.newBuilder()
            .executor(Executors.newFixedThreadPool(4))
            .connectTimeout(Duration.ofSeconds(5))
            .version(HttpClient.Version.HTTP_1_1)
            .build();
    private String baseUrl;
    private String adminToken;

    private ConnectBench(Map<String, String> options) {
        this.options = options;
    }

    public static void main(String[] args) throws Exception {
        if (java.util.concurrent.ForkJoinPool.getCommonPoolParallelism() < 2) {
            System.out.println("WARNING: common pool parallelism is " + java.util.concurrent.ForkJoinPool.getCommonPoolParallelism()
                    + ": every async HTTP response starts a thread and the load generator eats the CPU."
                    + " Run through bench/run.sh (it sets -Djava.util.concurrent.ForkJoinPool.common.parallelism=4).");
        }
        Map<String, String> options = new HashMap<>();
        for (int i = 0; i + 1 < args.length; i += 2) {
            options.put(args[i].replaceFirst("^--", ""), args[i + 1]);
        }
        new ConnectBench(options).run();
        System.exit(0);
    }

    private void run() throws Exception {
        double rate = Double.parseDouble(options.getOrDefault("rate", "300"));
        long duration = Duration.ofSeconds(Long.parseLong(options.getOrDefault("duration", "30"))).toNanos();
        long warmup = Duration.ofSeconds(Long.parseLong(options.getOrDefault("warmup", "5"))).toNanos();
        String scenario = options.getOrDefault("scenario", "mix");
        Path out = Path.of(options.getOrDefault("out", "bench-results"));
        int maxInFlight = Integer.parseInt(options.getOrDefault("max-in-flight", "20000"));
        Duration dailyLatency = Duration.ofMillis(Long.parseLong(options.getOrDefault("daily-latency", "0")));

        String cpuBefore = CpuCheck.run("before");
        System.out.println(cpuBefore);
        FakeDaily daily = null;
        FakeOrchestrator orchestrator = null;
        StandaloneStack stack = null;
        String kafka = options.get("kafka");
        if (options.containsKey("target")) {
            baseUrl = options.get("target");
            adminToken = options.getOrDefault("admin-token", System.getenv().getOrDefault("ADMIN_TOKEN", "local-admin-token"));
        } else {
            daily = new FakeDaily();
            daily.setLatency(dailyLatency);
            daily.setMaxRequestsPerSecond(Double.parseDouble(options.getOrDefault("daily-fake-rate", "0")));
            orchestrator = new FakeOrchestrator();
            orchestrator.setLatency(Duration.ofMillis(Long.parseLong(options.getOrDefault("orchestrator-latency", "0"))));
            adminToken = "bench-admin-token";
            Map<String, String> env = new HashMap<>();
            env.put("DATA_DIR", Files.createTempDirectory("bench").toString());
            env.put("KAFKA_PORT", String.valueOf(freePort()));
            env.put("CONNECT_API_PORT", "0");
            env.put("ROOM_WORKER_PORT", "0");
            env.put("CALL_HISTORY_PORT", "0");
            env.put("WIDGET_PORT", "0"); // no widget page in a benchmark
            env.put("ADMIN_TOKEN", adminToken);
            env.put("DAILY_API_URL", daily.baseUrl());
            env.put("DAILY_API_KEY", daily.apiKey());
            env.put("ORCHESTRATOR_URL", orchestrator.baseUrl());
            env.put("ORCHESTRATOR_TOKEN", orchestrator.token());
            Map<String, String> overrides = new HashMap<>();
            overrides.put("room.daily.max-requests-per-second", options.getOrDefault("daily-rate", "0"));
            overrides.put("logging.level.ai.ojin", "WARN");
            overrides.put("room.pool.size", options.getOrDefault("pool", "0"));
            overrides.put("room.pool.refill-concurrency", options.getOrDefault("pool-refill-concurrency", "4"));
            overrides.put("room.daily.self-signed-tokens", options.getOrDefault("self-signed-tokens", "true"));
            stack = StandaloneStack.start(StandaloneSettings.fromEnvironment(env), overrides);
            baseUrl = "http://127.0.0.1:" + stack.connectApiPort();
            kafka = stack.bootstrapServers();
        }
        try {
            setUpAgents();
            prewarm(Long.parseLong(options.getOrDefault("prewarm", "60")), Double.parseDouble(options.getOrDefault("prewarm-rate", "50")),
                    maxInFlight);
            System.out.println(settle(Duration.ofSeconds(Long.parseLong(options.getOrDefault("settle", "20")))));
            List<Result> results = new ArrayList<>();
            Result httpFloor = OpenLoopDriver.run("floor: HTTP liveness", rate, duration, warmup, maxInFlight, i -> liveness());
            results.add(httpFloor);
            if (kafka != null) {
                try (KafkaFloor floor = new KafkaFloor(kafka)) {
                    results.add(OpenLoopDriver.run("floor: Kafka round trip", rate, duration, warmup, maxInFlight, floor::roundTrip));
                }
            }
            Result connect = OpenLoopDriver.run("connect: " + scenario, rate, duration, warmup, maxInFlight,
                    i -> connect(scenario, i));
            results.add(connect);
            if (stack != null && Boolean.parseBoolean(options.getOrDefault("client-metrics", "false"))) {
                ClientMetrics.print();
                ClientMetrics.printCpuByThreadGroup();
            }
            String cpuAfter = CpuCheck.run("after");
            String table = Report.table(results, httpFloor) + cpuBefore + "\n" + cpuAfter + "\n";
            System.out.println();
            System.out.print(table);
            if (daily != null) {
                System.out.printf("fake Daily: latency %d ms, max calls in flight %d, rooms created %d%n",
                        dailyLatency.toMillis(), daily.maxInFlight(), daily.roomsCreated());
            }
            Map<String, Object> context = new LinkedHashMap<>();
            context.put("scenario", scenario);
            context.put("target", options.getOrDefault("target", "in-process standalone stack"));
            context.put("rate", rate);
            context.put("duration_seconds", duration / 1e9);
            context.put("daily_latency_ms", dailyLatency.toMillis());
            context.put("daily_max_in_flight", daily == null ? null : daily.maxInFlight());
            context.put("cores", Runtime.getRuntime().availableProcessors());
            context.put("cpu_check_before", cpuBefore);
            context.put("cpu_check_after", cpuAfter);
            context.put("orchestrator_latency_ms", Long.parseLong(options.getOrDefault("orchestrator-latency", "0")));
            context.put("pool", Integer.parseInt(options.getOrDefault("pool", "0")));
            context.put("self_signed_tokens", Boolean.parseBoolean(options.getOrDefault("self-signed-tokens", "true")));
            String stem = scenario + "-" + (long) rate + (dailyLatency.isZero() ? "" : "-daily" + dailyLatency.toMillis() + "ms")
                    + ("0".equals(options.getOrDefault("pool", "0")) ? "" : "-pool" + options.get("pool"));
            Report.writeJson(out.resolve(stem + ".json"), context, results);
            Report.writePlot(out.resolve(stem + ".png"), "connect (" + scenario + ") at " + (long) rate + "/s vs floor", results);
            Files.writeString(out.resolve(stem + ".txt"), table);
            System.out.println("written: " + out.resolve(stem + ".{txt,json,png}"));
        } finally {
            if (stack != null) {
                stack.close();
            }
            if (daily != null) {
                daily.close();
                orchestrator.close();
            }
        }
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
    private static String settle(Duration settle) throws InterruptedException {
        Duration probe = Duration.ofSeconds(5);
        Thread.sleep(Math.max(0, settle.minus(probe).toMillis()));
        long cpu0 = OpenLoopDriver.processCpuNanos();
        long wall0 = System.nanoTime();
        Thread.sleep(probe.toMillis());
        double cores = (OpenLoopDriver.processCpuNanos() - cpu0) / (double) (System.nanoTime() - wall0);
        return String.format(java.util.Locale.ROOT, "idle CPU of this JVM after %d s of settling: %.2f cores", settle.toSeconds(), cores);
    }

    private void setUpAgents() throws Exception {
        putAgent(ADMIT_AGENT, 10_000);
        putAgent(REJECT_AGENT, 1);
        // Hold the reject agent's only slot for the whole run.
        HttpResponse<String> held = http.send(connectRequest(REJECT_AGENT), HttpResponse.BodyHandlers.ofString());
        if (held.statusCode() != 200 && held.statusCode() != 429) {
            throw new IllegalStateException("cannot hold the reject agent's slot: " + held.statusCode() + " " + held.body());
        }
    }

    private void putAgent(String agentId, int maxConcurrency) throws Exception {
        String body = "{\"status\":\"published\",\"allowed_hostnames\":[\"*\"],\"max_concurrency\":" + maxConcurrency
                + ",\"max_session_seconds\":3600}";
        HttpResponse<String> response = http.send(HttpRequest.newBuilder(URI.create(baseUrl + "/v1/admin/agents/" + agentId))
                .header("Authorization", "Bearer " + adminToken)
                .header("Content-Type", "application/json")
                .PUT(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
        if (response.statusCode() != 200) {
            throw new IllegalStateException("PUT agent " + agentId + ": " + response.statusCode() + " " + response.body());
        }
    }

    private CompletableFuture<String> liveness() {
        return http.sendAsync(HttpRequest.newBuilder(URI.create(baseUrl + "/actuator/health/liveness")).GET().build(),
                HttpResponse.BodyHandlers.discarding()).thenApply(r -> String.valueOf(r.statusCode()));
    }

    private CompletableFuture<String> connect(String scenario, long i) {
        String agentId = switch (scenario) {
            case "admit" -> ADMIT_AGENT;
            case "reject" -> REJECT_AGENT;
            default -> i % 2 == 0 ? ADMIT_AGENT : REJECT_AGENT;
        };
        return http.sendAsync(connectRequest(agentId), HttpResponse.BodyHandlers.ofString()).thenApply(response -> {
            if (response.statusCode() == 200) {
                Matcher session = SESSION_ID.matcher(response.body());
                if (session.find()) {
                    endSession(session.group(1));
                }
                return "200";
            }
            Matcher code = ERROR_CODE.matcher(response.body());
            return response.statusCode() + " " + (code.find() ? code.group(1) : "?");
        });
    }

    /** Ends an admitted session at once (not measured), so the admit agent never fills up. */
    private void endSession(String sessionId) {
        http.sendAsync(HttpRequest.newBuilder(URI.create(baseUrl + "/v1/sessions/" + sessionId))
                .header("Authorization", "Bearer " + adminToken).DELETE().build(), HttpResponse.BodyHandlers.discarding());
    }

    private HttpRequest connectRequest(String agentId) {
        return HttpRequest.newBuilder(URI.create(baseUrl + "/v1/public/agents/connect"))
                .header("Content-Type", "application/json")
                .timeout(Duration.ofSeconds(30))
                .POST(HttpRequest.BodyPublishers.ofString("{\"agent_id\":\"" + agentId + "\",\"client_user_ref\":\"bench\"}"))
                .build();
    }

    static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }
}
