package ai.ojin.session.support.web;

import jakarta.servlet.RequestDispatcher;
import jakarta.servlet.http.HttpServletRequest;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.webmvc.error.ErrorController;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RestController;

/**
 * Replaces Boot's error controller (whitelabel page, default error JSON) in every service: errors
 * raised outside Spring MVC (by the servlet container, for example an undecodable path) get the
 * one JSON error shape. Called directly (not as an error dispatch) it is a path like any other: 404.
 */
@RestController
public class JsonErrorController implements ErrorController {

    private static final Logger log = LoggerFactory.getLogger(JsonErrorController.class);

    @RequestMapping("${server.error.path:/error}")
    ResponseEntity<byte[]> error(HttpServletRequest request) {
        Object code = request.getAttribute(RequestDispatcher.ERROR_STATUS_CODE);
        int status = code instanceof Integer i ? i : 404;
        Object exception = request.getAttribute(RequestDispatcher.ERROR_EXCEPTION);
        if (status >= 500) {
            log.error("Error {} on {}", status, request.getAttribute(RequestDispatcher.ERROR_REQUEST_URI),
                    exception instanceof Throwable t ? t : null);
        }
        return switch (status) {
            case 400 -> ApiErrors.response(400, ApiErrors.INVALID_REQUEST, "The request could not be read");
            case 401 -> ApiErrors.response(401, AdminToken.UNAUTHORIZED, AdminToken.UNAUTHORIZED_MESSAGE);
            case 404 -> WebErrors.notFound();
            case 405 -> ApiErrors.response(405, "method_not_allowed", "Method is not allowed here");
            case 413 -> ApiErrors.response(413, BodyLimitFilter.PAYLOAD_TOO_LARGE, "Request body is too large");
            case 415 -> WebErrors.unsupportedMediaType();
            default -> status >= 400 && status < 500
                    ? ApiErrors.response(status, ApiErrors.INVALID_REQUEST, "The request could not be processed")
                    : WebErrors.internalError();
        };
    }
}
