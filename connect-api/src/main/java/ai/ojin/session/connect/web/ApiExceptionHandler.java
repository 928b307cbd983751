package ai.ojin.session.connect.web;

import ai.ojin.session.events.reply.ErrorCode;
import jakarta.servlet.http.HttpServletRequest;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.http.HttpHeaders;
import org.springframework.http.ResponseEntity;
import org.springframework.web.HttpMediaTypeNotAcceptableException;
import org.springframework.web.HttpMediaTypeNotSupportedException;
import org.springframework.web.HttpRequestMethodNotSupportedException;
import org.springframework.web.bind.MissingRequestHeaderException;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.bind.annotation.RestControllerAdvice;
import org.springframework.web.context.request.async.AsyncRequestTimeoutException;
import org.springframework.web.servlet.NoHandlerFoundException;
import org.springframework.web.servlet.resource.NoResourceFoundException;
import org.springframework.http.converter.HttpMessageNotReadableException;

/** Every error of the web layer, Spring's own included, in the one JSON error shape. */
@RestControllerAdvice
public class ApiExceptionHandler {

    private static final Logger log = LoggerFactory.getLogger(ApiExceptionHandler.class);

    @ExceptionHandler(ApiException.class)
    ResponseEntity<byte[]> api(ApiException e) {
        return JsonResponses.error(e);
    }

    @ExceptionHandler({NoHandlerFoundException.class, NoResourceFoundException.class})
    ResponseEntity<byte[]> notFound(Exception e) {
        return JsonResponses.error(404, "not_found", "No such endpoint");
    }

    @ExceptionHandler(HttpRequestMethodNotSupportedException.class)
    ResponseEntity<byte[]> methodNotAllowed(HttpRequestMethodNotSupportedException e) {
        ResponseEntity<byte[]> error = JsonResponses.error(405, "method_not_allowed",
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
        return JsonResponses.error(415, "unsupported_media_type", "Content-Type must be application/json");
    }

    @ExceptionHandler(HttpMediaTypeNotAcceptableException.class)
    ResponseEntity<byte[]> notAcceptable(HttpMediaTypeNotAcceptableException e) {
        return JsonResponses.error(406, "not_acceptable", "Responses are application/json");
    }

    @ExceptionHandler({HttpMessageNotReadableException.class, MissingRequestHeaderException.class})
    ResponseEntity<byte[]> unreadable(Exception e) {
        return JsonResponses.error(400, ErrorCode.INVALID_REQUEST.wire(), "The request could not be read");
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

    public static ResponseEntity<byte[]> internalError() {
        return JsonResponses.error(500, ErrorCode.INTERNAL_ERROR.wire(), "Unexpected server error");
    }
}
