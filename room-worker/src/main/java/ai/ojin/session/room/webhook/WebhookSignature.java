package ai.ojin.session.room.webhook;

import java.nio.charset.StandardCharsets;
import java.security.InvalidKeyException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.time.DateTimeException;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.regex.Pattern;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Daily's webhook signature: {@code X-Webhook-Signature} = base64(HMAC-SHA256(base64-decoded
 * secret, timestamp + "." + raw body)), compared in constant time; {@code X-Webhook-Timestamp}
 * (epoch seconds, or milliseconds: 1 to 19 digits) must be within the tolerance of now. Anything
 * else in either header (a sign, a huge or malformed number, bad base64) is {@code FORGED}: a
 * caller can never make this throw. Only the raw bytes are looked at: nothing is parsed before
 * the signature is checked.
 */
public final class WebhookSignature {

    private static final String ALGORITHM = "HmacSHA256";
    private static final long MILLIS_THRESHOLD = 100_000_000_000L;
    private static final Pattern TIMESTAMP = Pattern.compile("[0-9]{1,19}");

    private final SecretKeySpec key;
    private final Duration tolerance;
    private final Clock clock;

    /** A verifier without a secret: every call is refused as forged. */
    public static WebhookSignature refuseAll() {
        return new WebhookSignature(null, Duration.ZERO, Clock.systemUTC(), true);
    }

    /** @param base64Secret DAILY_WEBHOOK_HMAC (base64) */
    public WebhookSignature(String base64Secret, Duration tolerance, Clock clock) {
        this(decode(base64Secret), tolerance, clock, false);
    }

    private WebhookSignature(byte[] secret, Duration tolerance, Clock clock, boolean refuseAll) {
        this.key = refuseAll ? null : new SecretKeySpec(secret, ALGORITHM);
        this.tolerance = tolerance;
        this.clock = clock;
    }

    private static byte[] decode(String base64Secret) {
        byte[] secret;
        try {
            secret = Base64.getDecoder().decode(base64Secret.trim());
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("DAILY_WEBHOOK_HMAC is not valid base64", e);
        }
        if (secret.length == 0) {
            throw new IllegalArgumentException("DAILY_WEBHOOK_HMAC is empty");
        }
        return secret;
    }

    public enum Verdict { VALID, MISSING, STALE, FORGED }

    public Verdict verify(String timestamp, String signature, byte[] body) {
        if (key == null) {
            return Verdict.FORGED;
        }
        if (timestamp == null || signature == null || timestamp.isBlank() || signature.isBlank()) {
            return Verdict.MISSING;
        }
        String digits = timestamp.trim();
        if (!TIMESTAMP.matcher(digits).matches()) {
            return Verdict.FORGED;
        }
        boolean fresh;
        try {
            long value = Long.parseLong(digits);
            Instant signedAt = value >= MILLIS_THRESHOLD ? Instant.ofEpochMilli(value) : Instant.ofEpochSecond(value);
            fresh = Duration.between(signedAt, clock.instant()).abs().compareTo(tolerance) <= 0;
        } catch (NumberFormatException | DateTimeException | ArithmeticException e) {
            return Verdict.FORGED;
        }
        byte[] expected = sign(timestamp.trim(), body);
        byte[] given;
        try {
            given = Base64.getDecoder().decode(signature.trim());
        } catch (IllegalArgumentException e) {
            return Verdict.FORGED;
        }
        if (!MessageDigest.isEqual(expected, given)) {
            return Verdict.FORGED;
        }
        return fresh ? Verdict.VALID : Verdict.STALE;
    }

    /** The signature of {@code timestamp + "." + body}, base64. */
    public String signature(String timestamp, byte[] body) {
        return Base64.getEncoder().encodeToString(sign(timestamp, body));
    }

    private byte[] sign(String timestamp, byte[] body) {
        if (key == null) {
            throw new IllegalStateException("no webhook secret configured");
        }
        try {
            Mac mac = Mac.getInstance(ALGORITHM);
            mac.init(key);
            mac.update((timestamp + ".").getBytes(StandardCharsets.UTF_8));
            return mac.doFinal(body);
        } catch (NoSuchAlgorithmException | InvalidKeyException e) {
            throw new IllegalStateException("HMAC-SHA256 unavailable", e);
        }
    }
}
