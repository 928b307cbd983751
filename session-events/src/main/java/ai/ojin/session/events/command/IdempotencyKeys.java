package ai.ojin.session.events.command;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;

/**
 * The hashes a connect with an {@code Idempotency-Key} carries in its {@link RequestSession}: the
 * key itself never goes to the log (it is the caller's, and may be long), only its SHA-256.
 */
public final class IdempotencyKeys {

    /** The longest key accepted ({@code Idempotency-Key}: 1-255 printable ASCII characters). */
    public static final int MAX_LENGTH = 255;

    private IdempotencyKeys() {
    }

    /** Whether the header value is a valid key: 1 to 255 printable ASCII characters (space included). */
    public static boolean valid(String key) {
        if (key == null || key.isEmpty() || key.length() > MAX_LENGTH) {
            return false;
        }
        for (int i = 0; i < key.length(); i++) {
            char c = key.charAt(i);
            if (c < 0x20 || c > 0x7e) {
                return false;
            }
        }
        return true;
    }

    /** The key's hash as it goes into a command. */
    public static String keyHash(String key) {
        return sha256(key);
    }

    /** The hash of a connect's body as parsed (so that formatting does not matter). */
    public static String requestHash(String agentId, String clientUserRef) {
        return sha256(agentId + '\u0000' + (clientUserRef == null ? "\u0001" : "=" + clientUserRef));
    }

    private static String sha256(String text) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8));
            return Base64.getUrlEncoder().withoutPadding().encodeToString(digest);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is part of every JDK", e);
        }
    }
}
