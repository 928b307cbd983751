package ai.ojin.session.room.daily;

import ai.ojin.session.events.json.Json;
import ai.ojin.session.room.http.Deadline;
import java.nio.charset.StandardCharsets;
import java.security.InvalidKeyException;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Meeting tokens signed locally, as Daily documents for self-signed tokens: a JWT (HS256) whose
 * secret is the domain's API key, with Daily's abbreviated claims {@code r} (room name), {@code d}
 * (domain id), {@code iat}, {@code exp}, {@code o} (is owner), {@code u} (user name),
 * {@code ud} (user id, when the request has one: it comes back in participant webhooks) and
 * {@code eje} (eject after elapsed). Daily accepts it as long as the key is active. No call, no
 * rate limit: the token is ready in microseconds. Like {@link HttpDailyApi}, it names the room on
 * Daily as {@code <ROOM_NAME_PREFIX><name>}: room names given here are without the prefix.
 */
public final class SelfSignedMeetingTokens implements MeetingTokens {

    private static final String ALGORITHM = "HmacSHA256";
    private static final String HEADER = base64Url("{\"alg\":\"HS256\",\"typ\":\"JWT\"}".getBytes(StandardCharsets.UTF_8));

    private final SecretKeySpec key;
    private final String domainId;
    private final Clock clock;
    private final String prefix;

    public SelfSignedMeetingTokens(String apiKey, String domainId, Clock clock) {
        this(apiKey, domainId, clock, "");
    }

    public SelfSignedMeetingTokens(String apiKey, String domainId, Clock clock, String roomNamePrefix) {
        if (apiKey == null || apiKey.isBlank() || domainId == null || domainId.isBlank()) {
            throw new IllegalArgumentException("self-signed tokens need the API key and the domain id");
        }
        this.key = new SecretKeySpec(apiKey.getBytes(StandardCharsets.UTF_8), ALGORITHM);
        this.domainId = domainId;
        this.clock = clock;
        this.prefix = roomNamePrefix == null ? "" : roomNamePrefix;
    }

    @Override
    public CompletableFuture<String> issue(MeetingTokenRequest request, Deadline deadline) {
        try {
            return CompletableFuture.completedFuture(sign(request));
        } catch (RuntimeException e) {
            return CompletableFuture.failedFuture(e);
        }
    }

    /** The signed token for {@code request}. */
    public String sign(MeetingTokenRequest request) {
        Map<String, Object> claims = new LinkedHashMap<>();
        claims.put("r", prefix + request.roomName());
        claims.put("d", domainId);
        claims.put("iat", clock.instant().getEpochSecond());
        claims.put("exp", request.exp().getEpochSecond());
        claims.put("o", request.owner());
        claims.put("u", request.userName());
        if (request.userId() != null) {
            claims.put("ud", request.userId());
        }
        if (request.ejectAfterElapsed() != null) {
            claims.put("eje", request.ejectAfterElapsed().toSeconds());
        }
        String payload = base64Url(Json.MAPPER.writeValueAsBytes(claims));
        String signingInput = HEADER + "." + payload;
        return signingInput + "." + base64Url(hmac(signingInput));
    }

    private byte[] hmac(String signingInput) {
        try {
            Mac mac = Mac.getInstance(ALGORITHM);
            mac.init(key);
            return mac.doFinal(signingInput.getBytes(StandardCharsets.US_ASCII));
        } catch (NoSuchAlgorithmException | InvalidKeyException e) {
            throw new IllegalStateException("HS256 is not available", e);
        }
    }

    private static String base64Url(byte[] bytes) {
        return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    }

    @Override
    public String toString() {
        return "SelfSignedMeetingTokens[domain=" + domainId + ", prefix=" + prefix + "]";
    }
}
