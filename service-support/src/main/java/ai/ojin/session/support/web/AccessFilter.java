package ai.ojin.session.support.web;

import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.springframework.boot.web.servlet.FilterRegistrationBean;
import org.springframework.core.Ordered;
import org.springframework.security.web.firewall.RequestRejectedException;
import org.springframework.security.web.firewall.StrictHttpFirewall;
import org.springframework.web.filter.OncePerRequestFilter;
import org.springframework.web.util.UriUtils;

/**
 * The access rule of every service, the first filter of each: protected by default.
 * <ol>
 * <li>A request the router could read differently from this filter is refused 400
 *     {@code invalid_request}: {@code ;} path parameters, encoded {@code /}, {@code \}, {@code %} or
 *     {@code .}, {@code %00}, {@code //}, {@code /./}, {@code /../}, non-printable characters, unknown
 *     methods (Spring Security's {@link StrictHttpFirewall}, used alone).</li>
 * <li>What is left has one meaning: its percent-decoded path is the path Spring MVC routes on. A
 *     request on the service's short public list passes.</li>
 * <li>Every other request, whether or not a handler exists for it, needs
 *     {@code Authorization: Bearer <admin token>}, else 401 {@code unauthorized}. A service without
 *     an admin token accepts none: only its public list is reachable.</li>
 * </ol>
 */
public final class AccessFilter extends OncePerRequestFilter {

    /** Before every other filter (CORS, body limit), so nothing reads a request that is refused. */
    public static final int ORDER = Ordered.HIGHEST_PRECEDENCE + 5;
    public static final String PATH_REFUSED = "The request path is not accepted";

    private final StrictHttpFirewall firewall = new StrictHttpFirewall();
    private final AdminToken token;
    private final List<PublicEndpoint> publicEndpoints;

    /** @param token the admin token, or null when the service has none (only public endpoints answer) */
    public AccessFilter(AdminToken token, List<PublicEndpoint> publicEndpoints) {
        this.token = token;
        this.publicEndpoints = List.copyOf(publicEndpoints);
    }

    /** The filter as the first of the servlet chain, for every path and dispatch of requests. */
    public static FilterRegistrationBean<AccessFilter> registration(AdminToken token, List<PublicEndpoint> publicEndpoints) {
        var registration = new FilterRegistrationBean<>(new AccessFilter(token, publicEndpoints));
        registration.setOrder(ORDER);
        return registration;
    }

    @Override
    protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
            throws ServletException, IOException {
        String path;
        try {
            firewall.getFirewalledRequest(request);
            path = normalisedPath(request);
        } catch (RequestRejectedException | IllegalArgumentException e) {
            ApiErrors.write(response, 400, ApiErrors.INVALID_REQUEST, PATH_REFUSED);
            return;
        }
        if (isPublic(request.getMethod(), path) || authorized(request)) {
            chain.doFilter(request, response);
            return;
        }
        ApiErrors.write(response, 401, AdminToken.UNAUTHORIZED, AdminToken.UNAUTHORIZED_MESSAGE);
    }

    boolean isPublic(String method, String path) {
        return publicEndpoints.stream().anyMatch(e -> e.matches(method, path));
    }

    private boolean authorized(HttpServletRequest request) {
        return token != null && token.authorizes(request.getHeader("Authorization"));
    }

    /** The path within the application, decoded as the router decodes it (safe once the firewall passed it). */
    static String normalisedPath(HttpServletRequest request) {
        String uri = request.getRequestURI().substring(request.getContextPath().length());
        return UriUtils.decode(uri, StandardCharsets.UTF_8);
    }
}
