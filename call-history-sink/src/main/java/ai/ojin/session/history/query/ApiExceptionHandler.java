package ai.ojin.session.history.query;

import ai.ojin.session.support.web.ApiErrors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.dao.DataAccessException;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.bind.annotation.RestControllerAdvice;

/** Maps failures of the query API to the shared JSON error body ({@link ApiErrors}). */
@RestControllerAdvice
@org.springframework.core.annotation.Order(org.springframework.core.Ordered.HIGHEST_PRECEDENCE)
class ApiExceptionHandler {

    private static final Logger log = LoggerFactory.getLogger(ApiExceptionHandler.class);

    @ExceptionHandler(InvalidRequestException.class)
    ResponseEntity<byte[]> invalid(InvalidRequestException e) {
        return error(400, "invalid_request", e.getMessage());
    }

    @ExceptionHandler(DataAccessException.class)
    ResponseEntity<byte[]> store(DataAccessException e) {
        log.error("Call history query failed", e);
        return error(500, "internal_error", "the call history store failed");
    }

    private static ResponseEntity<byte[]> error(int status, String code, String message) {
        return ResponseEntity.status(status).contentType(MediaType.APPLICATION_JSON).body(ApiErrors.body(code, message));
    }
}
