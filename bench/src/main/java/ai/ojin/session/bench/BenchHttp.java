package ai.ojin.session.bench;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.LongAdder;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** The load generators' calls to a stack: a connect (an admitted session ended at once), liveness, an agent. */
final class BenchHttp {

    private static final Pattern ERROR_CODE = Pattern.compile("\"error_code\"\\s*:\\s*\"([a-z_]+)\"");
    private static final Pattern SESSION_ID = Pattern.compile("\"session_id\"\\s*:\\s*\"([A-Za-z0-9_-]+)\"");
    /** End-session calls that did not answer 204: their sessions stay, and the agent may fill up. */
    private static final LongAdder FAILED_ENDS = new LongAdder();

    private BenchHttp() {
    }

    /** HTTP/1.1, its own executor (on 2 cores the common pool would start a thread per response). */
    static HttpClient client() {
        return HttpClient.newBuilder()
                .executor(Executors.newFixedThreadPool(4))
                .connectTimeout(Duration.ofSeconds(5))
                .version(HttpClient.Version.HTTP_1_1)
                .build();
    }

    static HttpRequest connectRequest(String baseUrl, String agentId, String clientUserRef) {
        return HttpRequest.newBuilder(URI.create(baseUrl + "/v1/public/agents/connect"))
                .header("Content-Type", "application/json")
                .timeout(Duration.ofSeconds(30))
                .POST(HttpRequest.BodyPublishers.ofString("{\"agent_id\":\"" + agentId + "\",\"client_user_ref\":\""
                        + clientUserRef + "\"}"))
                .build();
    }

    /**
     * One connect; completes with "200" or "status error_code". An admitted session is ended at once
     * through the end-session call (not timed), so the agent never fills up.
     */
    static CompletableFuture<String> connect(HttpClient http, String baseUrl, String adminToken, String agentId,
            String clientUserRef) {
        return http.sendAsync(connectRequest(baseUrl, agentId, clientUserRef), HttpResponse.BodyHandlers.ofString())
                .thenApply(response -> {
                    if (response.statusCode() == 200) {
                        Matcher session = SESSION_ID.matcher(response.body());
                        if (session.find()) {
                            http.sendAsync(HttpRequest.newBuilder(URI.create(baseUrl + "/v1/sessions/" + session.group(1)))
                                    .header("Authorization", "Bearer " + adminToken).DELETE().build(),
                                    HttpResponse.BodyHandlers.discarding())
                                    .whenComplete((ended, error) -> {
                                        if (error != null || ended.statusCode() != 204) {
                                            FAILED_ENDS.increment();
                                        }
                                    });
                        }
                        return "200";
                    }
                    Matcher code = ERROR_CODE.matcher(response.body());
                    return response.statusCode() + " " + (code.find() ? code.group(1) : "?");
                });
    }

    /** The report's line on the end-session calls that failed (none is the expected count). */
    static String failedEnds() {
        return "end-session calls of admitted sessions that did not answer 204: " + FAILED_ENDS.sum();
    }

    static CompletableFuture<String> liveness(HttpClient http, String baseUrl) {
        return http.sendAsync(HttpRequest.newBuilder(URI.create(baseUrl + "/actuator/health/liveness")).GET().build(),
                HttpResponse.BodyHandlers.discarding()).thenApply(r -> String.valueOf(r.statusCode()));
    }

    /** Stores a published agent that every origin may use, through the admin API. */
    static void putAgent(HttpClient http, String baseUrl, String adminToken, String agentId, int maxConcurrency) throws Exception {
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
}
