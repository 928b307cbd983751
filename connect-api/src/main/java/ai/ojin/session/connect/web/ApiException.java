package ai.ojin.session.connect.web;

import ai.ojin.session.events.reply.ErrorCode;

/** An error answered as {@code {"error_code", "message"}} with an HTTP status. */
public class ApiException extends RuntimeException {

    private final int status;
    private final String errorCode;
    private final Integer retryAfterSeconds;

    public ApiException(int status, String errorCode, String message, Integer retryAfterSeconds) {
        super(message, null, false, false);
        this.status = status;
        this.errorCode = errorCode;
        this.retryAfterSeconds = retryAfterSeconds;
    }

    public ApiException(int status, String errorCode, String message) {
        this(status, errorCode, message, null);
    }

    public static ApiException of(ErrorCode code, String message) {
        return new ApiException(code.httpStatus(), code.wire(), message);
    }

    public static ApiException invalidRequest(String message) {
        return of(ErrorCode.INVALID_REQUEST, message);
    }

    public int status() {
        return status;
    }

    public String errorCode() {
        return errorCode;
    }

    public Integer retryAfterSeconds() {
        return retryAfterSeconds;
    }
}
