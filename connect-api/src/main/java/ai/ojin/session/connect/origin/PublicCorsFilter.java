package ai.ojin.session.connect.origin;

import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import org.springframework.http.HttpHeaders;
import org.springframework.web.filter.OncePerRequestFilter;

/**
 * CORS for {@code /v1/public/agents/connect}.
 *
 * <p>Which origins get {@code Access-Control-Allow-Origin}: every request whose single
 * {@code Origin} header is a well-formed http(s) origin ({@link RequestOrigin}) gets that value
 * echoed back exactly, on the preflight and on every POST response, success and error alike, so a
 * widget can read the error body. The browser's CORS check is not the access control here: the
 * agent's hostname allowlist is, and a token is only ever returned to an allowed origin. No ACAO
 * is sent for {@code Origin: null}, malformed or repeated Origin headers, and never {@code *};
 * credentials are never allowed. {@code Vary: Origin} is on every response of the endpoint.
 *
 * <p>Preflight ({@code OPTIONS}): 204 with Allow-Methods {@code POST}, Allow-Headers
 * {@code Content-Type} and a Max-Age, answered here without reaching the controllers.
 */
public class PublicCorsFilter extends OncePerRequestFilter {

    public static final String PATH = "/v1/public/agents/connect";
    static final String MAX_AGE_SECONDS = "600";

    @Override
    protected boolean shouldNotFilter(HttpServletRequest request) {
        return !PATH.equals(request.getRequestURI());
    }

    @Override
    protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
            throws ServletException, IOException {
        OriginHeader origin = OriginHeader.of(request);
        response.addHeader(HttpHeaders.VARY, HttpHeaders.ORIGIN);
        origin.origin().ifPresent(o -> response.setHeader(HttpHeaders.ACCESS_CONTROL_ALLOW_ORIGIN, o.raw()));
        if ("OPTIONS".equals(request.getMethod())) {
            response.setHeader(HttpHeaders.ALLOW, "POST, OPTIONS");
            if (origin.wellFormed()) {
                response.setHeader(HttpHeaders.ACCESS_CONTROL_ALLOW_METHODS, "POST");
                response.setHeader(HttpHeaders.ACCESS_CONTROL_ALLOW_HEADERS, "Content-Type");
                response.setHeader(HttpHeaders.ACCESS_CONTROL_MAX_AGE, MAX_AGE_SECONDS);
            }
            response.setStatus(HttpServletResponse.SC_NO_CONTENT);
            return;
        }
        chain.doFilter(request, response);
    }
}
