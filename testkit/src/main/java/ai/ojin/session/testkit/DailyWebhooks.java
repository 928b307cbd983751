package ai.ojin.session.testkit;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.UUID;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Sends webhooks the way Daily does: JSON bodies of Daily's documented shapes
 * ({@code meeting.ended}, {@code participant.joined}, {@code participant.left}), signed with
 * {@code X-Webhook-Timestamp} and {@code X-Webhook-Signature} = base64(HMAC-SHA256(base64-decoded
 * secret, timestamp + "." + body)), posted to a receiver URL. Written from Daily's documentation,
 * independently of the worker's code.
 */
public final class DailyWebhooks {

    private final String url;
    private final byte[] secret;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    /** @param base64Secret the webhook's HMAC secret as configured ({@code DAILY_WEBHOOK_HMAC}) */
    public DailyWebhooks(String url, String base64Secret) {
        this.url = url;
        this.secret = Base64.getDecoder().decode(base64Secret);
    }

    /** A participant joined {@code room} with a token of {@code userId}; {@code participantId} is Daily's {@code session_id}. */
    public static String participantJoined(String eventId, String room, String userId, String participantId,
                                           Instant joinedAt) {
        return "{\"version\":\"1.0.0\",\"type\":\"participant.joined\",\"id\":\"" + eventId + "\",\"payload\":{"
                + "\"room\":\"" + room + "\",\"user_id\":\"" + userId + "\",\"user_name\":\"someone\","
                + "\"session_id\":\"" + participantId + "\",\"joined_at\":" + joinedAt.getEpochSecond() + ","
                + "\"will_eject_at\":" + joinedAt.plusSeconds(3600).getEpochSecond() + ",\"owner\":false,"
                + "\"permissions\":{\"hasPresence\":true,\"canSend\":true}},\"event_ts\":"
                + Instant.now().getEpochSecond() + "}";
    }

    /** The participant left after {@code durationSeconds} in the call. */
    public static String participantLeft(String eventId, String room, String userId, String participantId,
                                         Instant joinedAt, long durationSeconds) {
        return "{\"version\":\"1.0.0\",\"type\":\"participant.left\",\"id\":\"" + eventId + "\",\"payload\":{"
                + "\"room\":\"" + room + "\",\"user_id\":\"" + userId + "\",\"user_name\":\"someone\","
                + "\"session_id\":\"" + participantId + "\",\"joined_at\":" + joinedAt.getEpochSecond() + ","
                + "\"duration\":" + durationSeconds + ",\"will_eject_at\":" + joinedAt.plusSeconds(3600).getEpochSecond()
                + ",\"owner\":false,\"permissions\":{\"hasPresence\":true,\"canSend\":true}},\"event_ts\":"
                + Instant.now().getEpochSecond() + "}";
    }

    /** A {@code meeting.ended} of a meeting that started now (as its first participant joined). */
    public static String meetingEnded(String eventId, String room) {
        return meetingEnded(eventId, room, Instant.now());
    }

    /** A {@code meeting.ended} of a meeting that started at {@code startedAt} and ends now. */
    public static String meetingEnded(String eventId, String room, Instant startedAt) {
        long now = Instant.now().getEpochSecond();
        return "{\"version\":\"1.0.0\",\"type\":\"meeting.ended\",\"id\":\"" + eventId + "\",\"payload\":{"
                + "\"start_ts\":" + startedAt.getEpochSecond() + ",\"end_ts\":" + now + ",\"meeting_id\":\"" + UUID.randomUUID()
                + "\",\"room\":\"" + room + "\"},\"event_ts\":" + now + "}";
    }

    /** A new event id, as Daily gives every event its own. */
    public static String newEventId() {
        return UUID.randomUUID().toString();
    }

    /** Posts {@code body} signed now. */
    public HttpResponse<String> post(String body) {
        String timestamp = String.valueOf(Instant.now().getEpochSecond());
        HttpRequest request = HttpRequest.newBuilder(URI.create(url))
                .header("Content-Type", "application/json")
                .header("X-Webhook-Timestamp", timestamp)
                .header("X-Webhook-Signature", sign(timestamp, body))
                .timeout(Duration.ofSeconds(30))
                .POST(HttpRequest.BodyPublishers.ofString(body))
                .build();
        try {
            return http.send(request, HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** Posts {@code body} and fails unless the receiver answered 200. */
    public void send(String body) {
        HttpResponse<String> response = post(body);
        if (response.statusCode() != 200) {
            throw new IllegalStateException("webhook answered " + response.statusCode() + ": " + response.body());
        }
    }

    private String sign(String timestamp, String body) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(secret, "HmacSHA256"));
            return Base64.getEncoder().encodeToString(mac.doFinal((timestamp + "." + body).getBytes(StandardCharsets.UTF_8)));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }
}
