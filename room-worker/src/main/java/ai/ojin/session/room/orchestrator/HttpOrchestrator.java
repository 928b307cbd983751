package ai.ojin.session.room.orchestrator;

import ai.ojin.session.events.json.Json;
import ai.ojin.session.room.http.Deadline;
import ai.ojin.session.room.http.ExternalCallException;
import ai.ojin.session.room.http.Priority;
import ai.ojin.session.room.http.ResilientHttp;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/** The orchestrator over HTTP: {@code POST /v1/sessions}, {@code DELETE /v1/sessions/{id}}. */
public final class HttpOrchestrator implements Orchestrator {

    private final String baseUrl;
    private final String token;
    private final ResilientHttp http;

    public HttpOrchestrator(String baseUrl, String token, ResilientHttp http) {
        this.baseUrl = baseUrl.endsWith("/") ? baseUrl.substring(0, baseUrl.length() - 1) : baseUrl;
        this.token = token;
        this.http = http;
    }

    @Override
    public CompletableFuture<Void> startBot(BotStart start, Deadline deadline) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("session_id", start.sessionId());
        body.put("agent_id", start.agentId());
        body.put("room_url", start.roomUrl());
        body.put("token", start.token());
        body.put("client_user_ref", start.clientUserRef());
        String json = Json.MAPPER.writeValueAsString(body);
        return http.send("start_bot", Priority.SETUP,
                () -> request("/v1/sessions").POST(HttpRequest.BodyPublishers.ofString(json)), deadline)
                .thenApply(response -> {
                    if (response.statusCode() / 100 != 2) {
                        throw new ExternalCallException("orchestrator start answered " + response.statusCode(),
                                response.statusCode());
                    }
                    return null;
                });
    }

    @Override
    public CompletableFuture<Boolean> stopBot(String sessionId, Deadline deadline) {
        String path = "/v1/sessions/" + URLEncoder.encode(sessionId, StandardCharsets.UTF_8);
        return http.send("stop_bot", Priority.ENDING,
                () -> request(path).DELETE(), deadline)
                .thenApply(response -> {
                    if (response.statusCode() == 404) {
                        return false;
                    }
                    if (response.statusCode() / 100 != 2) {
                        throw new ExternalCallException("orchestrator stop answered " + response.statusCode(),
                                response.statusCode());
                    }
                    return true;
                });
    }

    private HttpRequest.Builder request(String path) {
        return HttpRequest.newBuilder(URI.create(baseUrl + path))
                .header("Authorization", "Bearer " + token)
                .header("Content-Type", "application/json");
    }
}
