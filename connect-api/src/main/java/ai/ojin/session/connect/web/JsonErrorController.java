package ai.ojin.session.connect.web;

import jakarta.servlet.RequestDispatcher;
import jakarta.servlet.http.HttpServletRequest;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.webmvc.error.ErrorController;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RestController;

/**
 * Replaces Boot's error controller (whitelabel page / default error JSON): errors that happen
 * outside Spring MVC (in filters, in the servlet container) get the same JSON error shape.
 */
@RestController
public class JsonErrorController implements ErrorController {

    private static final Logger log = LoggerFactory.getLogger(JsonErrorController.class);

    @RequestMapping("${server.error.path:/error}")
    ResponseEntity<byte[]> error(HttpServletRequest request) {
        Object code = request.getAttribute(RequestDispatcher.ERROR_STATUS_CODE);
        int status = code instanceof Integer i ? i : 500;
        Object exception = request.getAttribute(RequestDispatcher.ERROR_EXCEPTION);
        if (status >= 500) {
            log.error("Error {} on {}", status, request.getAttribute(RequestDispatcher.ERROR_REQUEST_URI),
                    exception instanceof Throwable t ? t : null);
        }
        return switch (status) {
            case 400 -> JsonResponses.error(400, "invalid_request", "The request could not be read");
            case 401 -> JsonResponses.error(401, "unauthorized", "Missing or wrong bearer token");
            case 404 -> JsonResponses.error(404, "not_found", "No such endpoint");
            case 405 -> JsonResponses.error(405, "method_not_allowed", "Method is not allowed here");
            case 413 -> JsonResponses.error(413, "payload_too_large", "Request body is too large");
            case 415 -> JsonResponses.error(415, "unsupported_media_type", "Content-Type must be application/json");
            default -> status >= 400 && status < 500
                    ? JsonResponses.error(status, "invalid_request", "The request could not be processed")
                    : ApiExceptionHandler.internalError();
        };
    }
}
