package ai.ojin.session.history.query;

/** Every error body of this service: {@code {"error_code": ..., "message": ...}}. */
public record ApiError(String errorCode, String message) {
}
