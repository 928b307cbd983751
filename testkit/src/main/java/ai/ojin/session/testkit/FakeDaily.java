package ai.ojin.session.testkit;

import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.function.LongSupplier;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;

/**
 * A local server speaking the parts of Daily's REST API we use, at {@link #baseUrl()}
 * ({@code http://127.0.0.1:<port>/v1}): {@code GET /} (the domain configuration, with
 * {@code domain_id}), {@code POST/GET/DELETE /rooms[/<name>]}, {@code GET /rooms}
 * with {@code limit}/{@code starting_after}, and {@code POST /meeting-tokens}. Self-signed meeting
 * tokens are checked as Daily checks them ({@link #verifySelfSigned}): HS256 with the API key, the
 * domain id in {@code d}, the room in {@code r}. Every call needs
 * {@code Authorization: Bearer <apiKey>}. Errors have Daily's shape {@code {"error","info"}}.
 * Besides the knobs of {@link FakeHttpServer} (latency, scripted failures, request log), it shows
 * what was created.
 *
 * <p>Daily's published rate limits are enforced by default, per endpoint {@link Family family}
 * (sliding windows over the requests accepted): more than 20 requests in the last second or 100 in
 * the last 5 seconds of the standard family, or more than 2 in the last second or 50 in the last
 * 30 seconds of {@code DELETE /rooms/:name}, are answered 429 {@code rate-limit-error} with a
 * {@code Retry-After} (seconds). {@link #withoutDailyRateLimits()} turns them off for a test that
 * must burst; {@link #rateLimited(Family)} counts the 429s. An optional global limit
 * ({@link #setMaxRequestsPerSecond}) comes on top.
 */
public final class FakeDaily extends FakeHttpServer {

    private static final Pattern ROOM_NAME = Pattern.compile("[A-Za-z0-9_-]{1,128}");

    private final String apiKey;
    private final String domainId = UUID.randomUUID().toString();
    private final String domainName = "fake-domain";
    private final Object lock = new Object();
    private final LinkedHashMap<String, Room> rooms = new LinkedHashMap<>();
    private final List<String> createdRoomNames = new ArrayList<>();
    private final List<String> deletedRoomNames = new ArrayList<>();
    private final List<MintedToken> tokens = new ArrayList<>();
    private final LongSupplier ticker;
    private final Map<Family, ArrayDeque<Long>> accepted = new EnumMap<>(Family.class);
    private final Map<Family, Integer> rejected = new EnumMap<>(Family.class);
    private boolean dailyRateLimits = true;
    private int roomsCreated;
    private double maxRequestsPerSecond;
    private double bucket;
    private long bucketRefilledAt;

    /** A fake Daily with a random API key. */
    public FakeDaily() {
        this("fake-daily-key-" + UUID.randomUUID());
    }

    public FakeDaily(String apiKey) {
        this(apiKey, System::nanoTime);
    }

    /** @param ticker monotonic nanoseconds the rate limits are measured with (a test may move it itself) */
    public FakeDaily(String apiKey, LongSupplier ticker) {
        super("fake-daily");
        this.apiKey = apiKey;
        this.ticker = ticker;
        this.bucketRefilledAt = ticker.getAsLong();
        for (Family family : Family.values()) {
            accepted.put(family, new ArrayDeque<>());
            rejected.put(family, 0);
        }
    }

    /**
     * Daily's endpoint families, each with its published limits (Daily's REST reference, "Rate
     * limits"); a request over any window of its family is answered 429.
     */
    public enum Family {
        /** Every endpoint but room deletes: 20 requests per second or 100 per 5 seconds. */
        STANDARD(new Window(20, Duration.ofSeconds(1)), new Window(100, Duration.ofSeconds(5))),
        /** {@code DELETE /rooms/:name}: 2 requests per second or 50 per 30 seconds. */
        DELETE(new Window(2, Duration.ofSeconds(1)), new Window(50, Duration.ofSeconds(30)));

        private final List<Window> windows;

        Family(Window... windows) {
            this.windows = List.of(windows);
        }

        public List<Window> windows() {
            return windows;
        }

        static Family of(String method, String path) {
            return method.equals("DELETE") && path.startsWith("/v1/rooms/") ? DELETE : STANDARD;
        }
    }

    /** At most {@code requests} accepted within any {@code length}. */
    public record Window(int requests, Duration length) {
    }

    /**
     * Turns Daily's per-family limits off (they are on by default), for a test that must send more
     * than Daily would accept; say why where it is called.
     */
    public FakeDaily withoutDailyRateLimits() {
        synchronized (lock) {
            dailyRateLimits = false;
            accepted.values().forEach(ArrayDeque::clear);
        }
        return this;
    }

    /** How many requests of {@code family} were answered 429 by a rate limit (Daily's or the global one). */
    public int rateLimited(Family family) {
        synchronized (lock) {
            return rejected.get(family);
        }
    }

    /** The value for {@code DAILY_API_URL}: {@code http://127.0.0.1:<port>/v1}. */
    public String baseUrl() {
        return "http://127.0.0.1:" + port() + "/v1";
    }

    /** The {@code domain_id} of this fake's domain (what self-signed tokens must carry in {@code d}). */
    public String domainId() {
        return domainId;
    }

    /**
     * The claims of a self-signed meeting token as Daily reads them (abbreviated names): {@code r}
     * room, {@code d} domain id, {@code iat}, {@code exp}, {@code o} is owner, {@code u} user name,
     * {@code ud} user id, {@code ejt} eject at token exp, {@code eje} eject after elapsed.
     */
    public record SelfSignedToken(String roomName, String domainId, Long issuedAt, Long exp, Boolean isOwner,
                                  String userName, String userId, Boolean ejectAtTokenExp, Map<String, Object> claims) {

        /** {@code eje}: seconds after joining at which the participant is ejected, or null. */
        public Long ejectAfterElapsed() {
            return claims.get("eje") instanceof Number n ? n.longValue() : null;
        }
    }

    /**
     * The token's claims when Daily would accept it as a self-signed token of this domain: a JWT
     * with header {@code alg} HS256 whose signature is the HMAC-SHA256 of {@code header.payload}
     * with this fake's API key, and whose payload has {@code r}, {@code iat} and {@code d} equal to
     * {@link #domainId()}. Empty otherwise (bad signature, other key, other domain, missing claims).
     */
    public Optional<SelfSignedToken> verifySelfSigned(String token) {
        if (token == null) {
            return Optional.empty();
        }
        String[] parts = token.split("\\.", -1);
        if (parts.length != 3) {
            return Optional.empty();
        }
        try {
            JsonNode header = JSON.readTree(java.util.Base64.getUrlDecoder().decode(parts[0]));
            if (!"HS256".equals(header.path("alg").asString(""))) {
                return Optional.empty();
            }
            javax.crypto.Mac mac = javax.crypto.Mac.getInstance("HmacSHA256");
            mac.init(new javax.crypto.spec.SecretKeySpec(apiKey.getBytes(java.nio.charset.StandardCharsets.UTF_8),
                    "HmacSHA256"));
            byte[] expected = mac.doFinal((parts[0] + "." + parts[1]).getBytes(java.nio.charset.StandardCharsets.US_ASCII));
            byte[] given = java.util.Base64.getUrlDecoder().decode(parts[2]);
            if (!java.security.MessageDigest.isEqual(expected, given)) {
                return Optional.empty();
            }
            JsonNode payload = JSON.readTree(java.util.Base64.getUrlDecoder().decode(parts[1]));
            if (!payload.path("r").isString() || !payload.path("iat").isNumber()
                    || !domainId.equals(payload.path("d").asString(""))) {
                return Optional.empty();
            }
            @SuppressWarnings("unchecked")
            Map<String, Object> claims = JSON.convertValue(payload, Map.class);
            return Optional.of(new SelfSignedToken(payload.path("r").asString(), payload.path("d").asString(),
                    payload.path("iat").asLong(), payload.path("exp").isNumber() ? payload.path("exp").asLong() : null,
                    payload.path("o").isBoolean() ? payload.path("o").asBoolean() : null,
                    payload.path("u").isString() ? payload.path("u").asString() : null,
                    payload.path("ud").isString() ? payload.path("ud").asString() : null,
                    payload.path("ejt").isBoolean() ? payload.path("ejt").asBoolean() : null, claims));
        } catch (IllegalArgumentException | JacksonException | java.security.GeneralSecurityException e) {
            return Optional.empty();
        }
    }

    /**
     * Whether a participant could join {@code roomName} with {@code token} now: a token minted here
     * for that room, or a valid self-signed one for it, not expired, and the room is
     * {@link #isOpen open}.
     */
    public boolean admits(String roomName, String token) {
        long now = Instant.now().getEpochSecond();
        boolean valid = verifySelfSigned(token)
                .map(t -> t.roomName().equals(roomName) && (t.exp() == null || t.exp() > now))
                .orElseGet(() -> tokensForRoom(roomName).stream().anyMatch(m -> m.token().equals(token)
                        && (m.exp() == null || m.exp() > now)));
        return valid && isOpen(roomName);
    }

    /** The value for {@code DAILY_API_KEY}. */
    public String apiKey() {
        return apiKey;
    }

    /**
     * Also answers 429 {@code rate-limit-error} with {@code Retry-After: 1} to calls beyond this
     * rate, whatever their family (a token bucket with one second of burst); 0 (the default) means
     * no such limit. Daily's own limits are separate ({@link #withoutDailyRateLimits()}).
     */
    public void setMaxRequestsPerSecond(double maxRequestsPerSecond) {
        synchronized (lock) {
            this.maxRequestsPerSecond = maxRequestsPerSecond;
            this.bucket = maxRequestsPerSecond;
            this.bucketRefilledAt = ticker.getAsLong();
        }
    }

    /** A room as Daily stores it; {@code properties} are the {@code config} Daily echoes. */
    public record Room(String id, String name, String privacy, String url, Instant createdAt, Map<String, Object> properties) {

        /** The room's {@code exp} (epoch seconds) or null. */
        public Long exp() {
            Object exp = properties.get("exp");
            return exp instanceof Number n ? n.longValue() : null;
        }

        public boolean ejectAtRoomExp() {
            return Boolean.TRUE.equals(properties.get("eject_at_room_exp"));
        }

        boolean openAt(long epochSecond) {
            Long exp = exp();
            return exp == null || exp > epochSecond;
        }

        Map<String, Object> toJson() {
            Map<String, Object> json = new LinkedHashMap<>();
            json.put("id", id);
            json.put("name", name);
            json.put("api_created", true);
            json.put("privacy", privacy);
            json.put("url", url);
            json.put("created_at", createdAt.truncatedTo(ChronoUnit.MILLIS).toString());
            json.put("config", properties);
            return json;
        }
    }

    /**
     * A meeting token minted by {@code POST /meeting-tokens}, with the properties it was asked for;
     * {@code userId} is the {@code user_id} Daily puts into the participant webhooks of whoever joins
     * with it.
     */
    public record MintedToken(String token, String roomName, Boolean isOwner, String userName, String userId, Long exp,
                              Boolean ejectAtTokenExp, Map<String, Object> properties) {

        /** {@code eject_after_elapsed}: seconds after joining at which the participant is ejected, or null. */
        public Long ejectAfterElapsed() {
            return properties.get("eject_after_elapsed") instanceof Number n ? n.longValue() : null;
        }
    }

    /** The token minted as {@code token}, if this fake minted it. */
    public Optional<MintedToken> token(String token) {
        synchronized (lock) {
            return tokens.stream().filter(t -> t.token().equals(token)).findFirst();
        }
    }

    /** Rooms created successfully through the API since start (re-creating a name counts again). */
    public int roomsCreated() {
        synchronized (lock) {
            return roomsCreated;
        }
    }

    /**
     * Names of the rooms created successfully through the API, in order (a name created again is
     * listed again): {@link #roomsCreated()} for given rooms, when other tests use this fake too.
     */
    public List<String> createdRoomNames() {
        synchronized (lock) {
            return List.copyOf(createdRoomNames);
        }
    }

    /** Names of the rooms that exist now (open, or past their {@code exp} and not deleted yet). */
    public Set<String> liveRoomNames() {
        synchronized (lock) {
            return Set.copyOf(rooms.keySet());
        }
    }

    /**
     * Names of the rooms someone could join now: they exist and their {@code exp} (if any) is in the
     * future. After its {@code exp} nobody can join a room, and with {@code eject_at_room_exp}
     * everyone in it is ejected.
     */
    public Set<String> openRoomNames() {
        long now = Instant.now().getEpochSecond();
        synchronized (lock) {
            return rooms.values().stream().filter(r -> r.openAt(now)).map(Room::name).collect(Collectors.toUnmodifiableSet());
        }
    }

    /** True when the room exists and its {@code exp} (if any) is in the future. */
    public boolean isOpen(String name) {
        return room(name).filter(r -> r.openAt(Instant.now().getEpochSecond())).isPresent();
    }

    public Optional<Room> room(String name) {
        synchronized (lock) {
            return Optional.ofNullable(rooms.get(name));
        }
    }

    /** Names of rooms deleted through the API, in order. */
    public List<String> deletedRoomNames() {
        synchronized (lock) {
            return List.copyOf(deletedRoomNames);
        }
    }

    /** Every token minted, in order. */
    public List<MintedToken> tokens() {
        synchronized (lock) {
            return List.copyOf(tokens);
        }
    }

    public List<MintedToken> tokensForRoom(String roomName) {
        synchronized (lock) {
            return tokens.stream().filter(t -> roomName.equals(t.roomName())).toList();
        }
    }

    /**
     * Puts a room in place without an API call (for example a room left over by a call that timed
     * out), created at {@code createdAt}.
     */
    public Room addRoom(String name, Instant createdAt, Map<String, Object> properties) {
        synchronized (lock) {
            Room room = newRoom(name, "private", createdAt, properties);
            rooms.put(name, room);
            return room;
        }
    }

    /** Forgets every room and token and resets the knobs (Daily's rate limits on again, counters at 0). */
    public void reset() {
        resetKnobs();
        synchronized (lock) {
            rooms.clear();
            createdRoomNames.clear();
            deletedRoomNames.clear();
            tokens.clear();
            roomsCreated = 0;
            maxRequestsPerSecond = 0;
            dailyRateLimits = true;
            accepted.values().forEach(ArrayDeque::clear);
            rejected.replaceAll((family, count) -> 0);
        }
    }

    @Override
    protected Response handle(Call call) {
        if (!apiKey.equals(call.bearer())) {
            return error(401, "authorization-header-error", "Invalid or missing Authorization header");
        }
        String path = call.path();
        Response limited = rateLimit(Family.of(call.method(), path));
        if (limited != null) {
            return limited;
        }
        try {
            if ((path.equals("/v1/") || path.equals("/v1")) && call.method().equals("GET")) {
                return Response.json(200, Map.of("domain_name", domainName, "domain_id", domainId,
                        "config", Map.of("enable_advanced_chat", false)));
            }
            if (path.equals("/v1/rooms") || path.equals("/v1/rooms/")) {
                return switch (call.method()) {
                    case "POST" -> createRoom(call.body());
                    case "GET" -> listRooms(call.query());
                    default -> error(405, "invalid-request-error", "method not allowed");
                };
            }
            if (path.startsWith("/v1/rooms/")) {
                String name = path.substring("/v1/rooms/".length());
                return switch (call.method()) {
                    case "GET" -> getRoom(name);
                    case "POST" -> updateRoom(name, call.body());
                    case "DELETE" -> deleteRoom(name);
                    default -> error(405, "invalid-request-error", "method not allowed");
                };
            }
            if (path.equals("/v1/meeting-tokens") && call.method().equals("POST")) {
                return mintToken(call.body());
            }
            return error(404, "not-found", "no such endpoint " + path);
        } catch (JacksonException e) {
            return error(400, "invalid-request-error", "body is not valid JSON");
        }
    }

    private Response createRoom(String body) {
        JsonNode json = body == null || body.isBlank() ? JSON.createObjectNode() : JSON.readTree(body);
        String name = json.path("name").isString() ? json.path("name").asString() : UUID.randomUUID().toString();
        if (!ROOM_NAME.matcher(name).matches()) {
            return error(400, "invalid-request-error", "name must be letters, digits, - and _, at most 128");
        }
        String privacy = json.path("privacy").isString() ? json.path("privacy").asString() : "public";
        if (!privacy.equals("public") && !privacy.equals("private")) {
            return error(400, "invalid-request-error", "privacy must be public or private");
        }
        @SuppressWarnings("unchecked")
        Map<String, Object> properties = json.has("properties") ? JSON.convertValue(json.get("properties"), Map.class) : Map.of();
        synchronized (lock) {
            if (rooms.containsKey(name)) {
                return error(400, "invalid-request-error", "a room named " + name + " already exists");
            }
            Room room = newRoom(name, privacy, Instant.now(), properties);
            rooms.put(name, room);
            roomsCreated++;
            createdRoomNames.add(name);
            return Response.json(200, room.toJson());
        }
    }

    private Response getRoom(String name) {
        synchronized (lock) {
            Room room = rooms.get(name);
            return room == null ? error(404, "not-found", "room " + name + " not found") : Response.json(200, room.toJson());
        }
    }

    /** Daily's room update: {@code properties} are merged into the room's (a null value removes one). */
    private Response updateRoom(String name, String body) {
        JsonNode json = body == null || body.isBlank() ? JSON.createObjectNode() : JSON.readTree(body);
        JsonNode props = json.path("properties");
        if (!props.isMissingNode() && !props.isObject()) {
            return error(400, "invalid-request-error", "properties must be an object");
        }
        if (props.has("exp") && !props.get("exp").isNull() && !props.get("exp").isNumber()) {
            return error(400, "invalid-request-error", "exp must be a unix timestamp in seconds");
        }
        if (props.has("eject_at_room_exp") && !props.get("eject_at_room_exp").isBoolean()) {
            return error(400, "invalid-request-error", "eject_at_room_exp must be a boolean");
        }
        String privacy = json.path("privacy").isString() ? json.path("privacy").asString() : null;
        if (privacy != null && !privacy.equals("public") && !privacy.equals("private")) {
            return error(400, "invalid-request-error", "privacy must be public or private");
        }
        synchronized (lock) {
            Room room = rooms.get(name);
            if (room == null) {
                return error(404, "not-found", "room " + name + " not found");
            }
            Map<String, Object> merged = new LinkedHashMap<>(room.properties());
            props.properties().forEach(field -> {
                if (field.getValue().isNull()) {
                    merged.remove(field.getKey());
                } else {
                    merged.put(field.getKey(), JSON.convertValue(field.getValue(), Object.class));
                }
            });
            Room updated = new Room(room.id(), name, privacy == null ? room.privacy() : privacy, room.url(),
                    room.createdAt(), Map.copyOf(merged));
            rooms.put(name, updated);
            return Response.json(200, updated.toJson());
        }
    }

    private Response deleteRoom(String name) {
        synchronized (lock) {
            if (rooms.remove(name) == null) {
                return error(404, "not-found", "room " + name + " not found");
            }
            deletedRoomNames.add(name);
            return Response.json(200, Map.of("deleted", true, "name", name));
        }
    }

    private Response listRooms(Map<String, String> query) {
        int limit;
        try {
            limit = Integer.parseInt(query.getOrDefault("limit", "100"));
        } catch (NumberFormatException e) {
            return error(400, "invalid-request-error", "limit must be a number");
        }
        if (limit < 1 || limit > 100) {
            return error(400, "invalid-request-error", "limit must be between 1 and 100");
        }
        String startingAfter = query.get("starting_after");
        synchronized (lock) {
            List<Room> all = new ArrayList<>(rooms.values());
            int from = 0;
            if (startingAfter != null) {
                for (int i = 0; i < all.size(); i++) {
                    if (all.get(i).id().equals(startingAfter)) {
                        from = i + 1;
                        break;
                    }
                }
            }
            List<Map<String, Object>> data = all.subList(Math.min(from, all.size()), Math.min(from + limit, all.size()))
                    .stream().map(Room::toJson).toList();
            return Response.json(200, Map.of("total_count", all.size(), "data", data));
        }
    }

    private Response mintToken(String body) {
        JsonNode json = body == null || body.isBlank() ? JSON.createObjectNode() : JSON.readTree(body);
        JsonNode props = json.path("properties");
        if (props.path("user_id").isString() && props.path("user_id").asString().length() > 36) {
            return error(400, "invalid-request-error", "user_id must be at most 36 characters");
        }
        @SuppressWarnings("unchecked")
        Map<String, Object> properties = props.isObject() ? JSON.convertValue(props, Map.class) : Map.of();
        String token = "fake-token-" + UUID.randomUUID();
        MintedToken minted = new MintedToken(token,
                props.path("room_name").isString() ? props.path("room_name").asString() : null,
                props.path("is_owner").isBoolean() ? props.path("is_owner").asBoolean() : null,
                props.path("user_name").isString() ? props.path("user_name").asString() : null,
                props.path("user_id").isString() ? props.path("user_id").asString() : null,
                props.path("exp").isNumber() ? props.path("exp").asLong() : null,
                props.path("eject_at_token_exp").isBoolean() ? props.path("eject_at_token_exp").asBoolean() : null,
                properties);
        synchronized (lock) {
            tokens.add(minted);
        }
        return Response.json(200, Map.of("token", token));
    }

    private Room newRoom(String name, String privacy, Instant createdAt, Map<String, Object> properties) {
        return new Room(UUID.randomUUID().toString(), name, privacy, "https://fake.daily.co/" + name, createdAt,
                properties == null ? Map.of() : Map.copyOf(properties));
    }

    /** Null when the request may be served (and it is counted in its family's windows); else the 429. */
    private Response rateLimit(Family family) {
        synchronized (lock) {
            long now = ticker.getAsLong();
            long retryAfterNanos = globalRetryAfter(now);
            if (retryAfterNanos == 0 && dailyRateLimits) {
                retryAfterNanos = familyRetryAfter(family, now);
            }
            if (retryAfterNanos > 0) {
                rejected.merge(family, 1, Integer::sum);
                long seconds = Math.max(1, (retryAfterNanos + 999_999_999L) / 1_000_000_000L);
                return new Response(429, JSON.writeValueAsString(Map.of("error", "rate-limit-error",
                        "info", "too many requests: " + family + " limits " + family.windows())),
                        Map.of("Retry-After", String.valueOf(seconds)));
            }
            if (dailyRateLimits) {
                accepted.get(family).addLast(now);
            }
            return null;
        }
    }

    /** Called with the lock held: 0 when the global bucket has a permit (taken), else nanos to wait. */
    private long globalRetryAfter(long now) {
        if (maxRequestsPerSecond <= 0) {
            return 0;
        }
        bucket = Math.min(maxRequestsPerSecond, bucket + (now - bucketRefilledAt) / 1e9 * maxRequestsPerSecond);
        bucketRefilledAt = now;
        if (bucket >= 1) {
            bucket -= 1;
            return 0;
        }
        return 1_000_000_000L;
    }

    /**
     * Called with the lock held: 0 when one more request of {@code family} now stays within every
     * window, else the nanos until it would (when enough of the accepted requests have left it).
     */
    private long familyRetryAfter(Family family, long now) {
        ArrayDeque<Long> times = accepted.get(family);
        long longest = family.windows().stream().mapToLong(w -> w.length().toNanos()).max().orElse(0);
        while (!times.isEmpty() && now - times.peekFirst() >= longest) {
            times.pollFirst();
        }
        long wait = 0;
        for (Window window : family.windows()) {
            long length = window.length().toNanos();
            List<Long> inWindow = times.stream().filter(t -> now - t < length).toList();
            if (inWindow.size() >= window.requests()) {
                long leaves = inWindow.get(inWindow.size() - window.requests()) + length;
                wait = Math.max(wait, leaves - now);
            }
        }
        return wait;
    }

    private static Response error(int status, String error, String info) {
        return Response.json(status, Map.of("error", error, "info", info));
    }
}
