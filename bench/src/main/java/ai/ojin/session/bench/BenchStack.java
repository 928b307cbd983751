package ai.ojin.session.bench;

import ai.ojin.session.standalone.StandaloneSettings;
import ai.ojin.session.standalone.StandaloneStack;
import ai.ojin.session.testkit.FakeDaily;
import ai.ojin.session.testkit.FakeOrchestrator;
import ai.ojin.session.testkit.Fault;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.time.Duration;
import java.util.HashMap;
import java.util.Locale;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The system under test for the connect benchmark: the standalone stack (its own KRaft broker, all
 * four services) wired to a fake Daily and a fake orchestrator with the latency and fault knobs of
 * a run. {@link ConnectBench} starts it in its own JVM ({@code --fork true}) through {@link #main}
 * so that the load generator does not share a JVM with the services, or in its own JVM otherwise.
 *
 * <p>Options (as {@code --name value}): {@code daily-latency} and {@code orchestrator-latency} (ms
 * per call), {@code daily-limits} ({@code daily}, the default: the fake Daily and the worker apply Daily's
 * published rate limits, which caps a run at about 19 Daily calls/s and 1.6 room deletes/s;
 * {@code off}: neither does, as for a domain whose limits Daily raised, and the report says so),
 * {@code daily-fake-rate} (the fake Daily's own global limit: 429 beyond it, 0 = off), {@code hang-agent}
 * (every bot start of this agent hangs for {@code hang} seconds, then gets 504),
 * {@code max-in-flight} (the worker's {@code room.max-in-flight}), {@code client-rate} (connect-api's
 * {@code connect.client-rate}: 0, off, unless given; the load generator is one client address).
 *
 * <p>As a main it prints {@code BENCH-STACK READY connect=... kafka=... worker=... admin-token=...}
 * once up, answers the line {@code stats} on stdin with a {@code BENCH-STACK STATS ...} line (what
 * the fakes saw) and stops when stdin ends.
 */
public final class BenchStack implements AutoCloseable {

    static final String PREFIX = "BENCH-STACK ";

    private final FakeDaily daily;
    private final FakeOrchestrator orchestrator;
    private final StandaloneStack stack;
    private final String adminToken;

    private BenchStack(FakeDaily daily, FakeOrchestrator orchestrator, StandaloneStack stack, String adminToken) {
        this.daily = daily;
        this.orchestrator = orchestrator;
        this.stack = stack;
        this.adminToken = adminToken;
    }

    static BenchStack start(Map<String, String> options) throws IOException {
        boolean dailyLimits = dailyLimits(options);
        FakeDaily daily = new FakeDaily();
        if (!dailyLimits) {
            daily.withoutDailyRateLimits();
        }
        daily.setLatency(Duration.ofMillis(Long.parseLong(options.getOrDefault("daily-latency", "0"))));
        daily.setMaxRequestsPerSecond(Double.parseDouble(options.getOrDefault("daily-fake-rate", "0")));
        FakeOrchestrator orchestrator = new FakeOrchestrator();
        orchestrator.setLatency(Duration.ofMillis(Long.parseLong(options.getOrDefault("orchestrator-latency", "0"))));
        String hangAgent = options.get("hang-agent");
        if (hangAgent != null) {
            String marker = "\"agent_id\":\"" + hangAgent + "\"";
            Duration hang = Duration.ofSeconds(Long.parseLong(options.getOrDefault("hang", "30")));
            orchestrator.failNextWhen("POST", "/v1/sessions", call -> call.body() != null && call.body().contains(marker),
                    Integer.MAX_VALUE, Fault.hang(hang));
        }
        String adminToken = "bench-admin-token";
        Map<String, String> env = new HashMap<>();
        env.put("DATA_DIR", Files.createTempDirectory("bench").toString());
        env.put("KAFKA_PORT", String.valueOf(ConnectBench.freePort()));
        env.put("CONNECT_API_PORT", "0");
        env.put("ROOM_WORKER_PORT", "0");
        env.put("CALL_HISTORY_PORT", "0");
        env.put("WIDGET_PORT", "0"); // no widget page in a benchmark
        env.put("ADMIN_TOKEN", adminToken);
        env.put("DAILY_API_URL", daily.baseUrl());
        env.put("DAILY_API_KEY", daily.apiKey());
        env.put("ORCHESTRATOR_URL", orchestrator.baseUrl());
        env.put("ORCHESTRATOR_TOKEN", orchestrator.token());
        Map<String, String> overrides = changedSettings(options);
        try {
            StandaloneStack stack = StandaloneStack.start(StandaloneSettings.fromEnvironment(env), overrides);
            return new BenchStack(daily, orchestrator, stack, adminToken);
        } catch (RuntimeException e) {
            daily.close();
            orchestrator.close();
            throw e;
        }
    }

    /** Daily's published rate limits, in the fake Daily and in the worker: on unless {@code --daily-limits off}. */
    static boolean dailyLimits(Map<String, String> options) {
        return switch (options.getOrDefault("daily-limits", "daily")) {
            case "off" -> false;
            case "daily" -> true;
            default -> throw new IllegalArgumentException("--daily-limits is off or daily");
        };
    }

    /**
     * The service settings this benchmark changes from the defaults a user gets, and nothing else:
     * every figure is reported with this list (ports, URLs and secrets of the fakes aside).
     */
    static Map<String, String> changedSettings(Map<String, String> options) {
        Map<String, String> changed = new TreeMap<>();
        // The load generator is one client address: the per-client connect limit (50/s by default)
        // would refuse it. Off unless --client-rate is given.
        changed.put("connect.client-rate", options.getOrDefault("client-rate", "0"));
        changed.put("logging.level.ai.ojin", "WARN"); // one log line per session would measure the console
        if (!dailyLimits(options)) {
            changed.put("room.daily.limits.enabled", "false");
        }
        Map<String, String> optionToSetting = Map.of(
                "worker-max-in-flight", "room.max-in-flight",
                "pool", "room.pool.size",
                "pool-refill-concurrency", "room.pool.refill-concurrency",
                "self-signed-tokens", "room.daily.self-signed-tokens");
        optionToSetting.forEach((option, setting) -> {
            if (options.containsKey(option)) {
                changed.put(setting, options.get(option));
            }
        });
        if ("off".equals(options.getOrDefault("observability", "on"))) {
            // what metrics and tracing cost: no tracing, no Prometheus registry, no latency histograms
            changed.put("management.tracing.export.enabled", "false");
            changed.put("management.tracing.sampling.probability", "0");
            changed.put("management.prometheus.metrics.export.enabled", "false");
            for (String timer : List.of("connect.requests", "room.http.calls", "room.setups", "room.jobs",
                    "call.history.write.lag")) {
                changed.put("management.metrics.distribution.percentiles-histogram." + timer, "false");
            }
        }
        return changed;
    }

    String connectUrl() {
        return "http://127.0.0.1:" + stack.connectApiPort();
    }

    String workerUrl() {
        return "http://127.0.0.1:" + stack.roomWorkerPort();
    }

    String kafka() {
        return stack.bootstrapServers();
    }

    String adminToken() {
        return adminToken;
    }

    /** What the fakes saw since start, as {@code key=value} pairs. */
    String stats() {
        return String.format(Locale.ROOT, "dailyCalls=%d dailyMaxInFlight=%d roomsCreated=%d roomsLive=%d"
                        + " roomsOpen=%d daily429Standard=%d daily429Delete=%d"
                        + " orchestratorCalls=%d orchestratorMaxInFlight=%d botsLive=%d",
                daily.requestCount(null, "/"), daily.maxInFlight(), daily.roomsCreated(), daily.liveRoomNames().size(),
                daily.openRoomNames().size(), daily.rateLimited(FakeDaily.Family.STANDARD),
                daily.rateLimited(FakeDaily.Family.DELETE),
                orchestrator.requestCount(null, "/"), orchestrator.maxInFlight(), orchestrator.liveSessions().size());
    }

    @Override
    public void close() {
        stack.close();
        daily.close();
        orchestrator.close();
    }

    public static void main(String[] args) throws Exception {
        Map<String, String> options = ConnectBench.parse(args);
        try (BenchStack bench = start(options)) {
            System.out.println(PREFIX + "READY connect=" + bench.connectUrl() + " kafka=" + bench.kafka() + " worker="
                    + bench.workerUrl() + " admin-token=" + bench.adminToken());
            BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
            for (String line = in.readLine(); line != null; line = in.readLine()) {
                if (line.trim().equals("stats")) {
                    System.out.println(PREFIX + "STATS " + bench.stats());
                }
            }
        }
        System.exit(0);
    }
}
