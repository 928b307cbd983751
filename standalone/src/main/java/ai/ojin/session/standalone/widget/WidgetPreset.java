package ai.ojin.session.standalone.widget;

import java.net.URI;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import tools.jackson.databind.json.JsonMapper;

/**
 * The settings the widget page is served with: which session API it calls, for which agent, and
 * where Daily's JavaScript library comes from (null: the page does not load it and does not join
 * the room), and how long a connect waits in the agent's line when the agent is busy
 * ({@code Prefer: wait}; 0: not at all, the page counts down and tries again).
 */
public record WidgetPreset(String apiBase, String agentId, String dailyJsUrl, int waitSeconds) {

    /** How long the page waits in line by default: the API's default {@code connect.max-wait}. */
    public static final int DEFAULT_WAIT_SECONDS = 60;

    /** Daily's library from Daily's CDN, as in Daily's own getting-started instructions. */
    public static final String DAILY_CDN = "https://unpkg.com/@daily-co/daily-js";

    private static final JsonMapper JSON = JsonMapper.builder().build();

    public WidgetPreset {
        Objects.requireNonNull(apiBase, "apiBase");
        Objects.requireNonNull(agentId, "agentId");
        String scheme = URI.create(apiBase).getScheme();
        if (!"http".equals(scheme) && !"https".equals(scheme)) {
            throw new IllegalArgumentException("apiBase must be an http(s) URL, was '" + apiBase + "'");
        }
        if (waitSeconds < 0) {
            throw new IllegalArgumentException("waitSeconds must not be negative");
        }
    }

    public WidgetPreset(String apiBase, String agentId, String dailyJsUrl) {
        this(apiBase, agentId, dailyJsUrl, DEFAULT_WAIT_SECONDS);
    }

    /** The page's settings block as JSON, safe to place inside a {@code <script>} element. */
    String toJson() {
        Map<String, Object> config = new LinkedHashMap<>();
        config.put("api_base", apiBase);
        config.put("agent_id", agentId);
        config.put("client_user_ref", null);
        config.put("wait_seconds", waitSeconds);
        config.put("daily_js_url", dailyJsUrl);
        // "</" would end the script element early; "<\/" is the same string in JSON.
        return JSON.writerWithDefaultPrettyPrinter().writeValueAsString(config).replace("</", "<\\/");
    }
}
