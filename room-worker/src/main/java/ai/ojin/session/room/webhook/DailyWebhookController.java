package ai.ojin.session.room.webhook;

import ai.ojin.session.events.SessionIds;
import ai.ojin.session.events.command.EndReason;
import ai.ojin.session.events.command.ReleaseSession;
import ai.ojin.session.events.command.SessionCommand;
import ai.ojin.session.events.json.Json;
import ai.ojin.session.events.room.RoomAssignment;
import ai.ojin.session.support.web.ApiErrors;
import ai.ojin.session.room.assignment.RoomAssignments;
import ai.ojin.session.room.config.RoomProperties;
import ai.ojin.session.room.pool.RoomPool;
import ai.ojin.session.room.session.SessionOutbox;
import io.micrometer.core.instrument.MeterRegistry;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestHeader;
import org.springframework.web.bind.annotation.RestController;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * {@code POST /v1/webhooks/daily}. The body is at most 64 KiB ({@link WebhookWebConfiguration},
 * refused before it is read) and the signature ({@link WebhookSignature}) is checked on the raw
 * bytes before anything is parsed: an unsigned or wrongly signed call gets 401 {@code auth_failed}
 * - except Daily's unsigned verification ping, a tiny body without a {@code "type"}, answered 200
 * without being parsed. The room a verified event names is ours when it carries this deployment's
 * {@code ROOM_NAME_PREFIX} and, without it, is a session id (a room named after its session) or a
 * pooled room whose session {@link RoomAssignments} knows. A verified {@code meeting.ended} for a
 * room of ours releases its session (MEETING_ENDED), unless the meeting started before the room was
 * given to that session (a pooled room is reused: a late {@code meeting.ended} of an earlier
 * session's meeting must not end the next one); a verified {@code participant.joined} /
 * {@code participant.left} becomes a participant command ({@link ParticipantWebhooks}). Each once
 * per event id; the 200 is sent only after the command is on Kafka, so Daily retries otherwise.
 */
@RestController
public class DailyWebhookController {

    public static final String PATH = "/v1/webhooks/daily";

    private static final Logger log = LoggerFactory.getLogger(DailyWebhookController.class);
    private static final long SEND_TIMEOUT_SECONDS = 10;
    /** The verification ping is a few bytes ({@code {"test":"test"}}); anything bigger must be signed. */
    private static final int MAX_PING_BYTES = 256;
    private static final JsonMapper JSON = Json.limited(WebhookWebConfiguration.MAX_BODY_BYTES, 16, 8 * 1024);

    private final WebhookSignature signature;
    private final RecentEventIds seen;
    private final SessionOutbox outbox;
    private final RoomAssignments assignments;
    private final MeterRegistry meters;
    private final String roomPrefix;
    private final Clock clock;

    public DailyWebhookController(WebhookSignature signature, RecentEventIds seen, SessionOutbox outbox,
                                  RoomAssignments assignments, MeterRegistry meters, RoomProperties properties,
                                  Clock clock) {
        this.signature = signature;
        this.seen = seen;
        this.outbox = outbox;
        this.assignments = assignments;
        this.meters = meters;
        this.roomPrefix = properties.daily().roomNamePrefix();
        this.clock = clock;
    }

    @PostMapping(path = DailyWebhookController.PATH, produces = MediaType.APPLICATION_JSON_VALUE)
    public ResponseEntity<byte[]> receive(
            @RequestHeader(name = "X-Webhook-Timestamp", required = false) String timestamp,
            @RequestHeader(name = "X-Webhook-Signature", required = false) String signatureHeader,
            @RequestBody(required = false) byte[] body) {
        byte[] raw = body == null ? new byte[0] : body;
        if (timestamp == null && signatureHeader == null && isVerificationPing(raw)) {
            count("none", "ping");
            return ok("ping");
        }
        WebhookSignature.Verdict verdict = signature.verify(timestamp, signatureHeader, raw);
        if (verdict != WebhookSignature.Verdict.VALID) {
            count("none", "refused_" + verdict.name().toLowerCase());
            log.warn("Refused a Daily webhook: signature {}", verdict.name().toLowerCase());
            return error(HttpStatus.UNAUTHORIZED, "auth_failed", "webhook signature is missing, invalid or stale");
        }
        JsonNode json = parse(raw);
        if (json == null || !json.isObject()) {
            count("none", "invalid");
            return error(HttpStatus.BAD_REQUEST, "invalid_request", "body is not a JSON object");
        }
        String type = json.path("type").asString("");
        String eventId = json.path("id").asString(null);
        if (eventId != null && !seen.claim(eventId)) {
            count(typeTag(type), "duplicate");
            return ok("duplicate");
        }
        try {
            ResponseEntity<byte[]> answer = act(type, json);
            if (eventId != null && !answer.getStatusCode().is2xxSuccessful()) {
                seen.forget(eventId);
            }
            return answer;
        } catch (RuntimeException e) {
            if (eventId != null) {
                seen.forget(eventId);
            }
            throw e;
        }
    }

    /** Acts on a verified event that no other delivery claimed. */
    private ResponseEntity<byte[]> act(String type, JsonNode json) {
        if (!type.equals("meeting.ended") && !ParticipantWebhooks.handles(type)) {
            count(typeTag(type), "ignored");
            return ok("ignored");
        }
        Optional<String> roomName = ourRoom(json.path("payload").path("room").asString(null));
        String session = roomName.flatMap(this::sessionOf).orElse(null);
        Optional<? extends SessionCommand> command = type.equals("meeting.ended")
                ? meetingEnded(session).filter(release -> !startedBeforeAssignment(roomName.get(), json.path("payload")))
                : ParticipantWebhooks.command(type, json.path("payload"), session);
        if (command.isEmpty()) {
            count(typeTag(type), "not_ours");
            return ok("ignored");
        }
        String room = command.get().sessionId();
        try {
            outbox.command(command.get()).get(SEND_TIMEOUT_SECONDS, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return unavailable(room, type, e);
        } catch (ExecutionException | TimeoutException e) {
            return unavailable(room, type, e);
        }
        String outcome = type.equals("meeting.ended") ? "released" : "recorded";
        count(typeTag(type), outcome);
        log.info("Daily reported {} for session {}; {}", type, room, outcome);
        return ok(outcome);
    }

    /**
     * True when the meeting ({@code start_ts}, epoch seconds) began in a second before the one the
     * pooled room was assigned in (a room rests far longer than a second between two sessions).
     */
    private boolean startedBeforeAssignment(String roomName, JsonNode payload) {
        JsonNode started = payload.path("start_ts");
        Optional<RoomAssignment> assigned = assignments.ofRoom(roomName).filter(RoomAssignment::pooled);
        return started.isNumber() && assigned.map(RoomAssignment::assignedAt)
                .filter(at -> (long) Math.floor(started.asDouble()) < at.getEpochSecond())
                .isPresent();
    }

    private Optional<ReleaseSession> meetingEnded(String session) {
        return SessionIds.agentOf(session)
                .map(agent -> new ReleaseSession(session, agent, EndReason.MEETING_ENDED, clock.instant()));
    }

    /** The room's name without this deployment's prefix, or empty when the room is not ours. */
    private Optional<String> ourRoom(String dailyRoomName) {
        if (dailyRoomName == null || !dailyRoomName.startsWith(roomPrefix)) {
            return Optional.empty();
        }
        return Optional.of(dailyRoomName.substring(roomPrefix.length()));
    }

    /**
     * The session of a room named after it, or of a pooled room (looked up once the assignments
     * view caught up); empty for a room of no session.
     */
    private Optional<String> sessionOf(String roomName) {
        if (SessionIds.agentOf(roomName).isPresent()) {
            return Optional.of(roomName);
        }
        if (!RoomPool.isPoolRoomName(roomName)) {
            return Optional.empty();
        }
        Optional<RoomAssignment> known = assignments.ofRoom(roomName);
        if (known.isPresent()) {
            return known.map(RoomAssignment::sessionId);
        }
        try {
            assignments.caughtUp().get(SEND_TIMEOUT_SECONDS, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (ExecutionException | TimeoutException e) {
            log.warn("Room assignments not caught up for the webhook of room {}: {}", roomName, e.toString());
        }
        return assignments.ofRoom(roomName).map(RoomAssignment::sessionId);
    }

    /** Daily's verification ping, recognised on its bytes (no parsing): tiny and without a type. */
    private static boolean isVerificationPing(byte[] raw) {
        return raw.length > 0 && raw.length <= MAX_PING_BYTES
                && !new String(raw, StandardCharsets.UTF_8).contains("\"type\"");
    }

    private ResponseEntity<byte[]> unavailable(String room, String type, Exception e) {
        log.error("Could not record Daily's event for session {}; Daily will retry", room, e);
        count(typeTag(type), "send_failed");
        return error(HttpStatus.SERVICE_UNAVAILABLE, "internal_error", "could not record the event; retry later");
    }

    private static JsonNode parse(byte[] raw) {
        if (raw.length == 0) {
            return null;
        }
        try {
            return JSON.readTree(raw);
        } catch (JacksonException e) {
            return null;
        }
    }

    /** {@code room.webhooks{type, outcome}}; the type is one we handle, "other", or "none" (not read). */
    private void count(String type, String outcome) {
        meters.counter("room.webhooks", "type", type, "outcome", outcome).increment();
    }

    /** Bounded: Daily's event types we act on by name, every other one as "other". */
    private static String typeTag(String type) {
        return type.equals("meeting.ended") || ParticipantWebhooks.handles(type) ? type : "other";
    }

    private static ResponseEntity<byte[]> ok(String status) {
        return ResponseEntity.ok().contentType(MediaType.APPLICATION_JSON)
                .body(Json.MAPPER.writeValueAsBytes(Map.of("status", status)));
    }

    private static ResponseEntity<byte[]> error(HttpStatus status, String code, String message) {
        var builder = ResponseEntity.status(status).contentType(MediaType.APPLICATION_JSON);
        if (status == HttpStatus.UNAUTHORIZED) {
            builder.header("WWW-Authenticate", "Bearer");
        }
        return builder.body(ApiErrors.body(code, message));
    }
}
