package ai.ojin.session.connect.web;

import ai.ojin.session.support.web.WebErrors;
import org.springframework.core.Ordered;
import org.springframework.core.annotation.Order;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.bind.annotation.RestControllerAdvice;

/** The documented errors of the connect API; Spring's own errors are mapped by {@link WebErrors}. */
@RestControllerAdvice
@Order(Ordered.HIGHEST_PRECEDENCE)
public class ApiExceptionHandler {

    @ExceptionHandler(ApiException.class)
    ResponseEntity<byte[]> api(ApiException e) {
        return JsonResponses.error(e);
    }

    public static ResponseEntity<byte[]> internalError() {
        return WebErrors.internalError();
    }
}
