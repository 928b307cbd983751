package ai.ojin.session.connect.origin;

import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.util.Map;
import org.springframework.http.HttpHeaders;
import org.springframework.web.filter.OncePerRequestFilter;

/**
 * CORS for the public endpoints: {@code POST /v1/public/agents/connect} and
 * {@code GET /v1/public/agents/line}.
 *
 * <p>Which origins get {@code Access-Control-Allow-Origin}: every request whose single
 * {@code Origin} header is a well-formed http(s) origin ({@link RequestOrigin}) gets that value
 * echoed back exactly, on the preflight and on every response, success and error alike, so a
 * widget can read the error body. The browser's CORS check is not the access control here: the
 * agent's hostname allowlist is, and a token is only ever returned to an allowed origin. No ACAO
 * is sent for {@code Origin: null}, malformed or repeated Origin headers, and never {@code *};
 * credentials are never allowed. {@code Vary: Origin} is on every response of the endpoints, and
 * {@code Access-Control-Expose-Headers: Preference-Applied} on every response with an allowed
 * origin, so that a widget can read whether its {@code Prefer: wait=N} was honoured.
 *
 * <p>Preflight ({@code OPTIONS}): 204 with Allow-Methods (the endpoint's method), Allow-Headers
 * {@code Content-Type, Prefer, Idempotency-Key} and a Max-Age, answered here without reaching the
 * controllers.
 */
public class PublicCorsFilter extends OncePerRequestFilter {

    public static final String PATH = "/v1/public/agents/connect";
    public static final String LINE_PATH = "/v1/public/agents/line";
    public static final String ALLOWED_HEADERS = "Content-Type, Prefer, Idempotency-Key";
    public static final String EXPOSED_HEADERS = "Preference-Applied";
    static final String MAX_AGE_SECONDS = "600";
    private static final Map<String, String> METHODS = Map.of(PATH, "POST", LINE_PATH, "GET");

    @Override
    protected boolean shouldNotFilter(HttpServletRequest request) {
        return !METHODS.containsKey(request.getRequestURI());
    }

    @Override
    protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
            throws ServletException, IOException {
        OriginHeader origin = OriginHeader.of(request);
        String method = METHODS.get(request.getRequestURI());
        response.addHeader(HttpHeaders.VARY, HttpHeaders.ORIGIN);
        origin.origin().ifPresent(o -> response.setHeader(HttpHeaders.ACCESS_CONTROL_ALLOW_ORIGIN, o.raw()));
        if ("OPTIONS".equals(request.getMethod())) {
            response.setHeader(HttpHeaders.ALLOW, method + ", OPTIONS");
            if (origin.wellFormed()) {
                response.setHeader(HttpHeaders.ACCESS_CONTROL_ALLOW_METHODS, method);
                response.setHeader(HttpHeaders.ACCESS_CONTROL_ALLOW_HEADERS, ALLOWED_HEADERS);
                response.setHeader(HttpHeaders.ACCESS_CONTROL_MAX_AGE, MAX_AGE_SECONDS);
            }
            response.setStatus(HttpServletResponse.SC_NO_CONTENT);
            return;
        }
        origin.origin().ifPresent(o -> response.setHeader(HttpHeaders.ACCESS_CONTROL_EXPOSE_HEADERS, EXPOSED_HEADERS));
        chain.doFilter(request, response);
    }
}
