package ai.ojin.session.testkit;

import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;

/**
 * A local server for our orchestrator contract (DESIGN.md), at {@link #baseUrl()}
 * ({@code http://127.0.0.1:<port>}, the value of {@code ORCHESTRATOR_URL}):
 * {@code POST /v1/sessions} {session_id, agent_id, room_url, token, client_user_ref} starts a bot
 * (201, or 200 when that session already has one) and {@code DELETE /v1/sessions/<id>} stops it
 * (204, 404 when unknown). Both need {@code Authorization: Bearer <token>} (401 otherwise).
 * Besides the knobs of {@link FakeHttpServer}, it shows which bots run and what they were given.
 */
public final class FakeOrchestrator extends FakeHttpServer {

    private final String token;
    private final Object lock = new Object();
    private final LinkedHashMap<String, BotSession> live = new LinkedHashMap<>();
    private final List<BotSession> starts = new ArrayList<>();
    private final List<String> stopped = new ArrayList<>();

    /** A fake orchestrator with a random bearer token. */
    public FakeOrchestrator() {
        this("fake-orchestrator-token-" + UUID.randomUUID());
    }

    public FakeOrchestrator(String token) {
        super("fake-orchestrator");
        this.token = token;
    }

    /** The value for {@code ORCHESTRATOR_URL}: {@code http://127.0.0.1:<port>}. */
    public String baseUrl() {
        return "http://127.0.0.1:" + port();
    }

    /** The value for {@code ORCHESTRATOR_TOKEN}. */
    public String token() {
        return token;
    }

    /** What one accepted start call carried ({@code token} is the bot's meeting token). */
    public record BotSession(String sessionId, String agentId, String roomUrl, String token, String clientUserRef,
                             Instant startedAt) {
    }

    /** Session ids whose bot runs now. */
    public Set<String> liveSessions() {
        synchronized (lock) {
            return Set.copyOf(live.keySet());
        }
    }

    public Optional<BotSession> session(String sessionId) {
        synchronized (lock) {
            return Optional.ofNullable(live.get(sessionId));
        }
    }

    /** Every accepted start call (repeats included), in order. */
    public List<BotSession> starts() {
        synchronized (lock) {
            return List.copyOf(starts);
        }
    }

    public long startCount(String sessionId) {
        synchronized (lock) {
            return starts.stream().filter(s -> s.sessionId().equals(sessionId)).count();
        }
    }

    /** Session ids whose bot was stopped (204 answers), in order. */
    public List<String> stoppedSessionIds() {
        synchronized (lock) {
            return List.copyOf(stopped);
        }
    }

    /** Forgets every bot and resets the knobs. */
    public void reset() {
        resetKnobs();
        synchronized (lock) {
            live.clear();
            starts.clear();
            stopped.clear();
        }
    }

    @Override
    protected Response handle(Call call) {
        if (!token.equals(call.bearer())) {
            return error(401, "unauthorized", "missing or wrong bearer token");
        }
        String path = call.path();
        if ((path.equals("/v1/sessions") || path.equals("/v1/sessions/")) && call.method().equals("POST")) {
            return start(call.body());
        }
        if (path.startsWith("/v1/sessions/") && call.method().equals("DELETE")) {
            return stop(path.substring("/v1/sessions/".length()));
        }
        return error(404, "not_found", "no such endpoint " + call.method() + " " + path);
    }

    private Response start(String body) {
        JsonNode json;
        try {
            json = JSON.readTree(body == null ? "" : body);
        } catch (JacksonException e) {
            return error(400, "invalid_request", "body is not valid JSON");
        }
        if (json == null || !json.isObject()) {
            return error(400, "invalid_request", "body must be a JSON object");
        }
        for (String field : List.of("session_id", "agent_id", "room_url", "token")) {
            if (!json.path(field).isString() || json.path(field).asString().isBlank()) {
                return error(400, "invalid_request", field + " is required");
            }
        }
        BotSession bot = new BotSession(json.get("session_id").asString(), json.get("agent_id").asString(),
                json.get("room_url").asString(), json.get("token").asString(),
                json.path("client_user_ref").isString() ? json.path("client_user_ref").asString() : null, Instant.now());
        synchronized (lock) {
            starts.add(bot);
            boolean existed = live.containsKey(bot.sessionId());
            live.put(bot.sessionId(), bot);
            return Response.json(existed ? 200 : 201, Map.of("session_id", bot.sessionId(), "status", "started"));
        }
    }

    private Response stop(String sessionId) {
        synchronized (lock) {
            if (live.remove(sessionId) == null) {
                return error(404, "not_found", "no session " + sessionId);
            }
            stopped.add(sessionId);
            return Response.empty(204);
        }
    }

    private static Response error(int status, String error, String message) {
        return Response.json(status, Map.of("error", error, "message", message));
    }
}
