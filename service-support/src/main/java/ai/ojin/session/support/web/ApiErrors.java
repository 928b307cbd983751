package ai.ojin.session.support.web;

import ai.ojin.session.events.json.Json;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import org.springframework.http.HttpHeaders;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The one JSON error body of every service: {@code {"error_code": ..., "message": ...}}, plus
 * {@code retry_after_seconds} when given. Written with the shared mapper, so its shape never
 * depends on a service's web settings. A 401 also carries {@code WWW-Authenticate: Bearer}.
 */
public final class ApiErrors {

    public static final String INVALID_REQUEST = "invalid_request";
    public static final String INTERNAL_ERROR = "internal_error";

    private ApiErrors() {
    }

    /** The error as a response entity (for controllers and exception handlers). */
    public static ResponseEntity<byte[]> response(int status, String errorCode, String message) {
        var builder = ResponseEntity.status(status).contentType(MediaType.APPLICATION_JSON);
        if (status == 401) {
            builder.header(HttpHeaders.WWW_AUTHENTICATE, "Bearer");
        }
        return builder.body(body(errorCode, message));
    }

    public static byte[] body(String errorCode, String message) {
        return body(errorCode, message, null);
    }

    public static byte[] body(String errorCode, String message, Integer retryAfterSeconds) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("error_code", errorCode);
        body.put("message", message);
        if (retryAfterSeconds != null) {
            body.put("retry_after_seconds", retryAfterSeconds);
        }
        return Json.MAPPER.writeValueAsBytes(body);
    }

    /** Writes the error as the whole response (for filters, before any controller runs). */
    public static void write(HttpServletResponse response, int status, String errorCode, String message)
            throws IOException {
        byte[] body = body(errorCode, message);
        response.setStatus(status);
        response.setContentType("application/json");
        if (status == 401) {
            response.setHeader("WWW-Authenticate", "Bearer");
        }
        response.setContentLength(body.length);
        response.getOutputStream().write(body);
        response.flushBuffer();
    }
}
