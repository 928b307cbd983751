package ai.ojin.session.support.web;

import jakarta.servlet.http.HttpServletRequest;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.core.Ordered;
import org.springframework.core.annotation.Order;
import org.springframework.http.HttpHeaders;
import org.springframework.http.ResponseEntity;
import org.springframework.http.converter.HttpMessageNotReadableException;
import org.springframework.web.HttpMediaTypeNotAcceptableException;
import org.springframework.web.HttpMediaTypeNotSupportedException;
import org.springframework.web.HttpRequestMethodNotSupportedException;
import org.springframework.web.bind.MissingRequestHeaderException;
import org.springframework.web.bind.MissingServletRequestParameterException;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.bind.annotation.RestControllerAdvice;
import org.springframework.web.context.request.async.AsyncRequestTimeoutException;
import org.springframework.web.method.annotation.MethodArgumentTypeMismatchException;
import org.springframework.web.servlet.NoHandlerFoundException;
import org.springframework.web.servlet.resource.NoResourceFoundException;

/**
 * Every error Spring MVC itself raises, in the one JSON error shape, for every service. A service's
 * own advice (its domain errors) runs first; this one is last. Any unexpected exception is a 500
 * {@code internal_error}, logged with its cause and the request.
 */
@RestControllerAdvice
@Order(Ordered.LOWEST_PRECEDENCE)
public class WebErrors {

    private static final Logger log = LoggerFactory.getLogger(WebErrors.class);

    @ExceptionHandler({NoHandlerFoundException.class, NoResourceFoundException.class})
    ResponseEntity<byte[]> notFound(Exception e) {
        return notFound();
    }

    @ExceptionHandler(HttpRequestMethodNotSupportedException.class)
    ResponseEntity<byte[]> methodNotAllowed(HttpRequestMethodNotSupportedException e) {
        ResponseEntity<byte[]> error = ApiErrors.response(405, "method_not_allowed",
                "Method " + e.getMethod() + " is not allowed here");
        HttpHeaders headers = new HttpHeaders();
        headers.addAll(error.getHeaders());
        if (e.getSupportedHttpMethods() != null) {
            headers.setAllow(e.getSupportedHttpMethods());
        }
        return new ResponseEntity<>(error.getBody(), headers, error.getStatusCode());
    }

    @ExceptionHandler(HttpMediaTypeNotSupportedException.class)
    ResponseEntity<byte[]> unsupportedMediaType(HttpMediaTypeNotSupportedException e) {
        return unsupportedMediaType();
    }

    @ExceptionHandler(HttpMediaTypeNotAcceptableException.class)
    ResponseEntity<byte[]> notAcceptable(HttpMediaTypeNotAcceptableException e) {
        return ApiErrors.response(406, "not_acceptable", "Responses are application/json");
    }

    @ExceptionHandler({HttpMessageNotReadableException.class, MissingRequestHeaderException.class,
            MissingServletRequestParameterException.class, MethodArgumentTypeMismatchException.class})
    ResponseEntity<byte[]> unreadable(Exception e) {
        return ApiErrors.response(400, ApiErrors.INVALID_REQUEST, "The request could not be read");
    }

    @ExceptionHandler(AsyncRequestTimeoutException.class)
    ResponseEntity<byte[]> asyncTimeout(AsyncRequestTimeoutException e, HttpServletRequest request) {
        log.error("Request {} {} timed out in the web layer", request.getMethod(), request.getRequestURI());
        return internalError();
    }

    @ExceptionHandler(Exception.class)
    ResponseEntity<byte[]> unexpected(Exception e, HttpServletRequest request) {
        log.error("Unexpected error on {} {}", request.getMethod(), request.getRequestURI(), e);
        return internalError();
    }

    public static ResponseEntity<byte[]> notFound() {
        return ApiErrors.response(404, "not_found", "No such endpoint");
    }

    public static ResponseEntity<byte[]> unsupportedMediaType() {
        return ApiErrors.response(415, "unsupported_media_type", "Content-Type must be application/json");
    }

    public static ResponseEntity<byte[]> internalError() {
        return ApiErrors.response(500, ApiErrors.INTERNAL_ERROR, "Unexpected server error");
    }
}
