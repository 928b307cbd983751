package ai.ojin.session.room.daily;

import ai.ojin.session.events.json.Json;
import ai.ojin.session.room.http.Deadline;
import ai.ojin.session.room.http.ExternalCallException;
import ai.ojin.session.room.http.Priority;
import ai.ojin.session.room.http.ResilientHttp;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;

/**
 * Daily's REST API over HTTP ({@code Authorization: Bearer DAILY_API_KEY}).
 *
 * <p>Ownership marker: with a deployment prefix ({@code ROOM_NAME_PREFIX}), every room this
 * client creates is named {@code <prefix><name>} on Daily, and the prefix never leaves this class:
 * names given and returned are without it. Rooms listed that do not carry the prefix belong to
 * someone else (another deployment on the same Daily domain) and are returned with a null name,
 * so nothing here can mistake them for ours. An empty prefix marks nothing.
 */
public final class HttpDailyApi implements DailyApi {

    /** The operation of room deletes, the calls of Daily's delete family ({@link DailyBudget#familyOf}). */
    public static final String DELETE_ROOM = "delete_room";

    private final String baseUrl;
    private final String apiKey;
    private final ResilientHttp http;
    private final String prefix;

    public HttpDailyApi(String baseUrl, String apiKey, ResilientHttp http) {
        this(baseUrl, apiKey, http, "");
    }

    public HttpDailyApi(String baseUrl, String apiKey, ResilientHttp http, String roomNamePrefix) {
        this.baseUrl = baseUrl.endsWith("/") ? baseUrl.substring(0, baseUrl.length() - 1) : baseUrl;
        this.apiKey = apiKey;
        this.http = http;
        this.prefix = roomNamePrefix == null ? "" : roomNamePrefix;
    }

    @Override
    public String toString() {
        return "HttpDailyApi[" + baseUrl + ", prefix=" + prefix + "]";
    }

    @Override
    public CompletableFuture<DailyRoom> createRoom(String name, Instant exp, Priority priority, Deadline deadline) {
        String body = write(Map.of(
                "name", prefix + name,
                "privacy", "private",
                "properties", Map.of("exp", exp.getEpochSecond(), "eject_at_room_exp", true)));
        return http.send("create_room", priority,
                () -> request("/rooms").POST(HttpRequest.BodyPublishers.ofString(body)), deadline)
                .thenApply(response -> {
                    if (response.statusCode() == 400 && mentionsExisting(response)) {
                        throw new RoomExistsException(name);
                    }
                    return room(expectOk("create room", response));
                });
    }

    @Override
    public CompletableFuture<String> domainId(Deadline deadline) {
        return http.send("get_domain", Priority.SETUP, () -> request("/").GET(), deadline)
                .thenApply(response -> {
                    JsonNode json = expectOk("get domain config", response);
                    String id = json.path("domain_id").asString("");
                    if (id.isBlank()) {
                        throw new ExternalCallException("Daily domain config: no domain_id in the answer", response.statusCode());
                    }
                    return id;
                });
    }

    @Override
    public CompletableFuture<Optional<DailyRoom>> getRoom(String name, Deadline deadline) {
        return http.send("get_room", Priority.SETUP,
                () -> request("/rooms/" + encode(prefix + name)).GET(), deadline)
                .thenApply(response -> response.statusCode() == 404
                        ? Optional.empty()
                        : Optional.of(room(expectOk("get room", response))));
    }

    @Override
    public CompletableFuture<Optional<DailyRoom>> setRoomExp(String name, Instant exp, Priority priority,
                                                           Deadline deadline) {
        String body = write(Map.of("properties", Map.of("exp", exp.getEpochSecond(), "eject_at_room_exp", true)));
        return http.send(priority == Priority.ENDING ? "close_room" : "reopen_room", priority,
                () -> request("/rooms/" + encode(prefix + name)).POST(HttpRequest.BodyPublishers.ofString(body)), deadline)
                .thenApply(response -> {
                    if (response.statusCode() == 404) {
                        return Optional.<DailyRoom>empty();
                    }
                    return Optional.of(room(expectOk("update room exp", response)));
                });
    }

    @Override
    public boolean refusesSetups() {
        return http.refuses("create_room", Priority.SETUP);
    }

    @Override
    public CompletableFuture<Boolean> deleteRoom(String name, Priority priority, Deadline deadline) {
        return http.send(DELETE_ROOM, priority,
                () -> request("/rooms/" + encode(prefix + name)).DELETE(), deadline)
                .thenApply(response -> {
                    if (response.statusCode() == 404) {
                        return false;
                    }
                    expectOk("delete room", response);
                    return true;
                });
    }

    @Override
    public CompletableFuture<String> mintToken(MeetingTokenRequest token, Deadline deadline) {
        Map<String, Object> properties = new java.util.LinkedHashMap<>();
        properties.put("room_name", prefix + token.roomName());
        properties.put("is_owner", token.owner());
        properties.put("user_name", token.userName());
        if (token.userId() != null) {
            properties.put("user_id", token.userId());
        }
        properties.put("exp", token.exp().getEpochSecond());
        if (token.ejectAfterElapsed() != null) {
            properties.put("eject_after_elapsed", token.ejectAfterElapsed().toSeconds());
        }
        String body = write(Map.of("properties", properties));
        return http.send("mint_token", Priority.SETUP,
                () -> request("/meeting-tokens").POST(HttpRequest.BodyPublishers.ofString(body)),
                        deadline)
                .thenApply(response -> {
                    JsonNode json = expectOk("mint token", response);
                    if (!json.path("token").isString()) {
                        throw new ExternalCallException("Daily mint token: no token in the answer", response.statusCode());
                    }
                    return json.get("token").asString();
                });
    }

    @Override
    public CompletableFuture<RoomPage> listRooms(String startingAfter, int limit, Deadline deadline) {
        String query = "?limit=" + limit + (startingAfter == null ? "" : "&starting_after=" + encode(startingAfter));
        return http.send("list_rooms", Priority.HOUSEKEEPING,
                () -> request("/rooms" + query).GET(), deadline)
                .thenApply(response -> {
                    JsonNode json = expectOk("list rooms", response);
                    List<DailyRoom> rooms = new ArrayList<>();
                    json.path("data").forEach(node -> rooms.add(room(node)));
                    return new RoomPage(json.path("total_count").asLong(rooms.size()), rooms);
                });
    }

    private HttpRequest.Builder request(String path) {
        return HttpRequest.newBuilder(URI.create(baseUrl + path))
                .header("Authorization", "Bearer " + apiKey)
                .header("Content-Type", "application/json")
                .header("Accept", "application/json");
    }

    private static JsonNode expectOk(String what, HttpResponse<String> response) {
        int status = response.statusCode();
        if (status / 100 != 2) {
            throw new ExternalCallException("Daily " + what + " answered " + status + errorOf(response), status);
        }
        try {
            return Json.MAPPER.readTree(response.body());
        } catch (JacksonException e) {
            throw new ExternalCallException("Daily " + what + ": unreadable answer", status, e);
        }
    }

    /** Daily's {@code error} and {@code info} fields (never a token: error bodies carry none). */
    private static String errorOf(HttpResponse<String> response) {
        try {
            JsonNode json = Json.MAPPER.readTree(response.body());
            return " (" + json.path("error").asString("") + ": " + json.path("info").asString("") + ")";
        } catch (JacksonException | IllegalArgumentException e) {
            return "";
        }
    }

    private static boolean mentionsExisting(HttpResponse<String> response) {
        String body = response.body();
        return body != null && body.contains("already exists");
    }

    private DailyRoom room(JsonNode json) {
        Instant createdAt = null;
        if (json.path("created_at").isString()) {
            try {
                createdAt = Instant.parse(json.get("created_at").asString());
            } catch (DateTimeParseException e) {
                createdAt = null;
            }
        }
        String name = json.path("name").asString(null);
        String ours = name != null && name.startsWith(prefix) ? name.substring(prefix.length()) : null;
        JsonNode exp = json.path("config").path("exp");
        return new DailyRoom(json.path("id").asString(null), ours,
                json.path("url").asString(null), json.path("privacy").asString(null), createdAt,
                exp.isNumber() ? Instant.ofEpochSecond(exp.asLong()) : null);
    }

    private static String write(Object body) {
        return Json.MAPPER.writeValueAsString(body);
    }

    private static String encode(String value) {
        return URLEncoder.encode(value, StandardCharsets.UTF_8);
    }
}
