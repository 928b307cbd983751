package ai.ojin.session.support.web;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

/**
 * The one admin-token check of every service: {@code Authorization: Bearer <ADMIN_TOKEN>}
 * (scheme case-insensitive). Both tokens are hashed first and compared with
 * {@link MessageDigest#isEqual}, so the time taken reveals neither content nor length. The token
 * itself is never printed.
 */
public final class AdminToken {

    public static final String UNAUTHORIZED = "unauthorized";
    public static final String UNAUTHORIZED_MESSAGE = "Missing or wrong bearer token";

    private static final String BEARER = "bearer ";
    private final byte[] expectedDigest;

    public AdminToken(String token) {
        if (token == null || token.isBlank()) {
            throw new IllegalArgumentException("the admin token must be set");
        }
        this.expectedDigest = sha256(token);
    }

    /** @param authorizationHeader the {@code Authorization} header, or null */
    public boolean authorizes(String authorizationHeader) {
        String header = authorizationHeader;
        if (header == null || header.length() <= BEARER.length()
                || !header.regionMatches(true, 0, BEARER, 0, BEARER.length())) {
            return false;
        }
        return MessageDigest.isEqual(expectedDigest, sha256(header.substring(BEARER.length()).trim()));
    }

    @Override
    public String toString() {
        return "AdminToken[***]";
    }

    private static byte[] sha256(String text) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
