package ai.ojin.session.connect.web;

import ai.ojin.session.events.json.Json;
import ai.ojin.session.support.web.ApiErrors;
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

    /** The one error shape of every service ({@link ApiErrors}). */
    public static byte[] errorBytes(String errorCode, String message, Integer retryAfterSeconds) {
        return ApiErrors.body(errorCode, message, retryAfterSeconds);
    }
}
