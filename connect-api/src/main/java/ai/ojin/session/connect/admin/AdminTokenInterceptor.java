package ai.ojin.session.connect.admin;

import ai.ojin.session.connect.web.ApiException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import org.springframework.http.HttpHeaders;
import org.springframework.web.servlet.HandlerInterceptor;

/**
 * Admits admin calls with {@code Authorization: Bearer <ADMIN_TOKEN>}; anything else is 401
 * {@code unauthorized}. Both tokens are hashed first and compared with
 * {@link MessageDigest#isEqual}, so the time taken reveals neither content nor length.
 */
public class AdminTokenInterceptor implements HandlerInterceptor {

    private static final String BEARER = "bearer ";
    private final byte[] expectedDigest;

    public AdminTokenInterceptor(String adminToken) {
        this.expectedDigest = sha256(adminToken);
    }

    @Override
    public boolean preHandle(HttpServletRequest request, HttpServletResponse response, Object handler) {
        if (!authorized(request.getHeader(HttpHeaders.AUTHORIZATION))) {
            throw new ApiException(401, "unauthorized", "Missing or wrong bearer token");
        }
        return true;
    }

    boolean authorized(String header) {
        if (header == null || header.length() <= BEARER.length()
                || !header.regionMatches(true, 0, BEARER, 0, BEARER.length())) {
            return false;
        }
        return MessageDigest.isEqual(expectedDigest, sha256(header.substring(BEARER.length()).trim()));
    }

    private static byte[] sha256(String text) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
