package ai.ojin.session.connect.web;

import ai.ojin.session.events.json.Json;
import java.util.LinkedHashMap;
import java.util.Map;
import org.springframework.http.HttpHeaders;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;

/**
 * JSON bodies written with the shared snake_case mapper and an explicit Content-Type, so that the
 * shape never depends on the caller's {@code Accept} header or on the web layer's mapper settings.
 */
public final class JsonResponses {

    private JsonResponses() {
    }

    public static ResponseEntity<byte[]> json(int status, Object body) {
        return ResponseEntity.status(status).contentType(MediaType.APPLICATION_JSON).body(Json.MAPPER.writeValueAsBytes(body));
    }

    public static ResponseEntity<byte[]> error(ApiException e) {
        return error(e.status(), e.errorCode(), e.getMessage(), e.retryAfterSeconds());
    }

    public static ResponseEntity<byte[]> error(int status, String errorCode, String message) {
        return error(status, errorCode, message, null);
    }

    public static ResponseEntity<byte[]> error(int status, String errorCode, String message, Integer retryAfterSeconds) {
        var builder = ResponseEntity.status(status).contentType(MediaType.APPLICATION_JSON);
        if (retryAfterSeconds != null) {
            builder.header(HttpHeaders.RETRY_AFTER, retryAfterSeconds.toString());
        }
        if (status == 401) {
            builder.header(HttpHeaders.WWW_AUTHENTICATE, "Bearer");
        }
        return builder.body(errorBytes(errorCode, message, retryAfterSeconds));
    }

    /** The one error shape: {@code {"error_code", "message"}}, plus {@code retry_after_seconds} when given. */
    public static byte[] errorBytes(String errorCode, String message, Integer retryAfterSeconds) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("error_code", errorCode);
        body.put("message", message);
        if (retryAfterSeconds != null) {
            body.put("retry_after_seconds", retryAfterSeconds);
        }
        return Json.MAPPER.writeValueAsBytes(body);
    }
}
