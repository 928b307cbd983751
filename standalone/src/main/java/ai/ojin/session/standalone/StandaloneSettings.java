package ai.ojin.session.standalone;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.nio.charset.StandardCharsets;

/**
 * What the standalone run needs, read from the environment. The services' own variables
 * (DESIGN.md) pass through; those without a value get local defaults, listed in
 * {@link #defaultsApplied()} so the launcher can print them.
 *
 * @param externalBootstrap KAFKA_BOOTSTRAP_SERVERS when set: use that cluster instead of starting
 *     a broker
 * @param serviceVariables the services' variables, defaults included
 */
public record StandaloneSettings(
        Path dataDir,
        int kafkaPort,
        int connectApiPort,
        int roomWorkerPort,
        int callHistoryPort,
        String externalBootstrap,
        Map<String, String> serviceVariables,
        List<String> defaultsApplied) {

    static final String LOCAL_ADMIN_TOKEN = "local-admin-token";
    static final String LOCAL_WEBHOOK_SECRET = Base64.getEncoder()
            .encodeToString("local-webhook-secret".getBytes(StandardCharsets.UTF_8));

    public static StandaloneSettings fromEnvironment(Map<String, String> env) {
        Path dataDir = Path.of(env.getOrDefault("DATA_DIR", "var")).toAbsolutePath().normalize();
        Map<String, String> variables = new LinkedHashMap<>();
        List<String> defaults = new ArrayList<>();
        passThrough(env, variables, "DAILY_API_URL", "DAILY_API_KEY", "ORCHESTRATOR_URL", "ORCHESTRATOR_TOKEN",
                "CALL_HISTORY_DB_USER", "CALL_HISTORY_DB_PASSWORD");
        withDefault(env, variables, defaults, "ADMIN_TOKEN", LOCAL_ADMIN_TOKEN);
        withDefault(env, variables, defaults, "DAILY_WEBHOOK_HMAC", LOCAL_WEBHOOK_SECRET);
        withDefault(env, variables, defaults, "CALL_HISTORY_DB_URL",
                "jdbc:h2:file:" + dataDir.resolve("call-history") + ";DB_CLOSE_ON_EXIT=FALSE");
        if (!env.containsKey("CALL_HISTORY_DB_URL")) {
            variables.putIfAbsent("CALL_HISTORY_DB_USER", "sa");
            variables.putIfAbsent("CALL_HISTORY_DB_PASSWORD", "");
        }
        if (blank(env.get("DAILY_API_KEY"))) {
            defaults.add("DAILY_API_KEY (unset: Daily rooms are SIMULATED in-process; nobody can join them, so every "
                    + "session ends no_show after processor.lease.join-timeout)");
        }
        if (blank(env.get("ORCHESTRATOR_URL"))) {
            defaults.add("ORCHESTRATOR_URL (unset: the agent orchestrator is SIMULATED in-process)");
        }
        return new StandaloneSettings(
                dataDir,
                intOf(env, "KAFKA_PORT", 9092),
                intOf(env, "CONNECT_API_PORT", 8080),
                intOf(env, "ROOM_WORKER_PORT", 8081),
                intOf(env, "CALL_HISTORY_PORT", 8082),
                blank(env.get("KAFKA_BOOTSTRAP_SERVERS")) ? null : env.get("KAFKA_BOOTSTRAP_SERVERS"),
                Map.copyOf(variables),
                List.copyOf(defaults));
    }

    private static void passThrough(Map<String, String> env, Map<String, String> variables, String... names) {
        for (String name : names) {
            if (!blank(env.get(name))) {
                variables.put(name, env.get(name));
            }
        }
    }

    private static void withDefault(Map<String, String> env, Map<String, String> variables, List<String> defaults,
            String name, String value) {
        if (blank(env.get(name))) {
            variables.put(name, value);
            defaults.add(name + "=" + value);
        } else {
            variables.put(name, env.get(name));
        }
    }

    private static int intOf(Map<String, String> env, String name, int fallback) {
        String value = env.get(name);
        if (blank(value)) {
            return fallback;
        }
        try {
            return Integer.parseInt(value.trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(name + " must be a port number, was '" + value + "'", e);
        }
    }

    private static boolean blank(String value) {
        return value == null || value.isBlank();
    }
}
