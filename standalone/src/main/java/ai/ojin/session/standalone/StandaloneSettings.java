package ai.ojin.session.standalone;

import ai.ojin.session.standalone.widget.WidgetPreset;
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
 * @param serviceVariables the services' variables, defaults included (secrets among them: never
 *     printed, see {@link #toString()})
 * @param widgetPort port of the widget page (WIDGET_PORT, default 8090, served on loopback only):
 *     {@link #WIDGET_OFF} for none, 0 for any free port (from code only: WIDGET_PORT 0 turns it off)
 * @param widgetDailyJsUrl where the widget page loads Daily's JavaScript library from
 *     (WIDGET_DAILY_JS_URL; default Daily's CDN with a real Daily, none when rooms are simulated,
 *     as a simulated room cannot be joined); null for none
 * @param bindAddress BIND_ADDRESS: the address the services' HTTP servers listen on; 127.0.0.1
 *     (this machine only) unless set
 * @param warnings what the launcher must warn about (e.g. exposed with the published default
 *     admin token)
 */
public record StandaloneSettings(
        Path dataDir,
        int kafkaPort,
        int connectApiPort,
        int roomWorkerPort,
        int callHistoryPort,
        String externalBootstrap,
        Map<String, String> serviceVariables,
        List<String> defaultsApplied,
        int widgetPort,
        String widgetDailyJsUrl,
        String bindAddress,
        List<String> warnings) {

    /** {@link #widgetPort()} when no widget page is served. */
    public static final int WIDGET_OFF = -1;
    static final String LOOPBACK = "127.0.0.1";

    static final String LOCAL_ADMIN_TOKEN = "local-admin-token";
    static final String LOCAL_WEBHOOK_SECRET = Base64.getEncoder()
            .encodeToString("local-webhook-secret".getBytes(StandardCharsets.UTF_8));

    public static StandaloneSettings fromEnvironment(Map<String, String> env) {
        Path dataDir = Path.of(env.getOrDefault("DATA_DIR", "var")).toAbsolutePath().normalize();
        Map<String, String> variables = new LinkedHashMap<>();
        List<String> defaults = new ArrayList<>();
        passThrough(env, variables, "DAILY_API_URL", "DAILY_API_KEY", "ORCHESTRATOR_URL", "ORCHESTRATOR_TOKEN",
                "CALL_HISTORY_DB_USER", "CALL_HISTORY_DB_PASSWORD", "INSTANCE_ID");
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
        int widgetPort = intOf(env, "WIDGET_PORT", 8090);
        String dailyJs = env.get("WIDGET_DAILY_JS_URL");
        if (blank(dailyJs)) {
            dailyJs = blank(env.get("DAILY_API_KEY")) ? null : WidgetPreset.DAILY_CDN;
        } else if ("none".equals(dailyJs.trim())) {
            dailyJs = null;
        }
        String bindAddress = blank(env.get("BIND_ADDRESS")) ? LOOPBACK : env.get("BIND_ADDRESS").trim();
        List<String> warnings = new ArrayList<>();
        if (!isLoopback(bindAddress)) {
            if (blank(env.get("ADMIN_TOKEN"))) {
                warnings.add("BIND_ADDRESS=" + bindAddress + " exposes the services beyond this machine with the "
                        + "published default admin token: set ADMIN_TOKEN");
            }
            if (blank(env.get("DAILY_WEBHOOK_HMAC"))) {
                warnings.add("BIND_ADDRESS=" + bindAddress + " exposes the webhook with the published default "
                        + "webhook secret: set DAILY_WEBHOOK_HMAC");
            }
        }
        return new StandaloneSettings(
                dataDir,
                intOf(env, "KAFKA_PORT", 9092),
                intOf(env, "CONNECT_API_PORT", 8080),
                intOf(env, "ROOM_WORKER_PORT", 8081),
                intOf(env, "CALL_HISTORY_PORT", 8082),
                blank(env.get("KAFKA_BOOTSTRAP_SERVERS")) ? null : env.get("KAFKA_BOOTSTRAP_SERVERS"),
                Map.copyOf(variables),
                List.copyOf(defaults),
                widgetPort > 0 ? widgetPort : WIDGET_OFF,
                dailyJs,
                bindAddress,
                List.copyOf(warnings));
    }

    /** These settings with the widget page on {@code port} (0: any free port; negative: off). */
    public StandaloneSettings withWidgetPort(int port) {
        return new StandaloneSettings(dataDir, kafkaPort, connectApiPort, roomWorkerPort, callHistoryPort,
                externalBootstrap, serviceVariables, defaultsApplied, port < 0 ? WIDGET_OFF : port, widgetDailyJsUrl,
                bindAddress, warnings);
    }

    /** These settings with the widget page loading Daily's library from {@code url} (null: not at all). */
    public StandaloneSettings withWidgetDailyJsUrl(String url) {
        return new StandaloneSettings(dataDir, kafkaPort, connectApiPort, roomWorkerPort, callHistoryPort,
                externalBootstrap, serviceVariables, defaultsApplied, widgetPort, url, bindAddress, warnings);
    }

    private static boolean isLoopback(String address) {
        return address.equals("localhost") || address.equals("::1") || address.startsWith("127.");
    }

    /** Without the variables' values (secrets) and without the defaults list (it names the local ones). */
    @Override
    public String toString() {
        return "StandaloneSettings[dataDir=" + dataDir + ", kafkaPort=" + kafkaPort + ", connectApiPort=" + connectApiPort
                + ", roomWorkerPort=" + roomWorkerPort + ", callHistoryPort=" + callHistoryPort + ", externalBootstrap="
                + externalBootstrap + ", serviceVariables=" + new java.util.TreeSet<>(serviceVariables.keySet())
                + ", widgetPort=" + widgetPort + ", bindAddress=" + bindAddress + "]";
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
