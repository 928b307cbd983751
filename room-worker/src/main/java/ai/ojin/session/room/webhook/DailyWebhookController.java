package ai.ojin.session.room.webhook;

import ai.ojin.session.events.SessionIds;
import ai.ojin.session.events.command.EndReason;
import ai.ojin.session.events.command.ReleaseSession;
import ai.ojin.session.events.json.Json;
import ai.ojin.session.events.room.RoomAssignment;
import ai.ojin.session.room.assignment.RoomAssignments;
import ai.ojin.session.room.pool.RoomPool;
import ai.ojin.session.room.session.SessionOutbox;
import io.micrometer.core.instrument.MeterRegistry;
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

/**
 * {@code POST /v1/webhooks/daily}: Daily's verification ping (no {@code type}) is answered 200;
 * every other call must be signed ({@link WebhookSignature}) or gets 401 {@code auth_failed}.
 * A verified {@code meeting.ended} for a room of ours releases its session (MEETING_ENDED), once
 * per event id (a room named after its session, or a pooled room found in {@link RoomAssignments}); the 200 is sent only after the release is on Kafka, so Daily retries otherwise.
 */
@RestController
public class DailyWebhookController {

    private static final Logger log = LoggerFactory.getLogger(DailyWebhookController.class);
    private static final long SEND_TIMEOUT_SECONDS = 10;

    private final WebhookSignature signature;
    private final RecentEventIds seen;
    private final SessionOutbox outbox;
    private final RoomAssignments assignments;
    private final MeterRegistry meters;

    public DailyWebhookController(WebhookSignature signature, RecentEventIds seen, SessionOutbox outbox,
                                  RoomAssignments assignments, MeterRegistry meters) {
        this.signature = signature;
        this.seen = seen;
        this.outbox = outbox;
        this.assignments = assignments;
        this.meters = meters;
    }

    @PostMapping(path = "/v1/webhooks/daily", produces = MediaType.APPLICATION_JSON_VALUE)
    public ResponseEntity<Map<String, Object>> receive(
            @RequestHeader(name = "X-Webhook-Timestamp", required = false) String timestamp,
            @RequestHeader(name = "X-Webhook-Signature", required = false) String signatureHeader,
            @RequestBody(required = false) byte[] body) {
        byte[] raw = body == null ? new byte[0] : body;
        JsonNode json = parse(raw);
        if (json != null && json.isObject() && !json.hasNonNull("type")) {
            count("ping");
            return ok("ping");
        }
        WebhookSignature.Verdict verdict = signature.verify(timestamp, signatureHeader, raw);
        if (verdict != WebhookSignature.Verdict.VALID) {
            count("refused_" + verdict.name().toLowerCase());
            log.warn("Refused a Daily webhook: signature {}", verdict.name().toLowerCase());
            return error(HttpStatus.UNAUTHORIZED, "auth_failed", "webhook signature is missing, invalid or stale");
        }
        if (json == null || !json.isObject()) {
            count("invalid");
            return error(HttpStatus.BAD_REQUEST, "invalid_request", "body is not a JSON object");
        }
        String eventId = json.path("id").asString(null);
        if (eventId != null && seen.contains(eventId)) {
            count("duplicate");
            return ok("duplicate");
        }
        String type = json.path("type").asString("");
        if (!type.equals("meeting.ended")) {
            count("ignored");
            return ok("ignored");
        }
        String roomName = json.path("payload").path("room").asString(null);
        Optional<RoomAssignment> session = sessionOf(roomName);
        if (session.isEmpty()) {
            count("not_ours");
            return ok("ignored");
        }
        String room = session.get().sessionId();
        try {
            outbox.command(new ReleaseSession(room, session.get().agentId(), EndReason.MEETING_ENDED, Instant.now()))
                    .get(SEND_TIMEOUT_SECONDS, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return unavailable(room, e);
        } catch (ExecutionException | TimeoutException e) {
            return unavailable(room, e);
        }
        if (eventId != null) {
            seen.add(eventId);
        }
        count("released");
        log.info("Daily reported meeting.ended for session {}; released", room);
        return ok("released");
    }

    /** The session of a room named after it, or of a pooled room (looked up once the assignments view caught up). */
    private Optional<RoomAssignment> sessionOf(String roomName) {
        Optional<String> agent = SessionIds.agentOf(roomName);
        if (agent.isPresent()) {
            return Optional.of(new RoomAssignment(roomName, agent.get(), roomName, null, false, null));
        }
        if (!RoomPool.isPoolRoomName(roomName)) {
            return Optional.empty();
        }
        Optional<RoomAssignment> known = assignments.ofRoom(roomName);
        if (known.isPresent()) {
            return known;
        }
        try {
            assignments.caughtUp().get(SEND_TIMEOUT_SECONDS, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (ExecutionException | TimeoutException e) {
            log.warn("Room assignments not caught up for the webhook of room {}: {}", roomName, e.toString());
        }
        return assignments.ofRoom(roomName);
    }

    private ResponseEntity<Map<String, Object>> unavailable(String room, Exception e) {
        log.error("Could not release session {} after meeting.ended; Daily will retry", room, e);
        count("send_failed");
        return error(HttpStatus.SERVICE_UNAVAILABLE, "internal_error", "could not record the event; retry later");
    }

    private static JsonNode parse(byte[] raw) {
        if (raw.length == 0) {
            return null;
        }
        try {
            return Json.MAPPER.readTree(raw);
        } catch (JacksonException e) {
            return null;
        }
    }

    private void count(String outcome) {
        meters.counter("room.webhooks", "outcome", outcome).increment();
    }

    private static ResponseEntity<Map<String, Object>> ok(String status) {
        return ResponseEntity.ok(Map.of("status", status));
    }

    private static ResponseEntity<Map<String, Object>> error(HttpStatus status, String code, String message) {
        return ResponseEntity.status(status).contentType(MediaType.APPLICATION_JSON)
                .body(Map.of("error_code", code, "message", message));
    }
}
