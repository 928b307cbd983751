package ai.ojin.session.events.web;

import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.util.List;
import org.springframework.web.filter.OncePerRequestFilter;

/**
 * Answers 401 {@code unauthorized} (the shared JSON error) to requests under one of the protected
 * path prefixes that lack the admin token, before anything else reads them. Paths under an open
 * prefix (e.g. {@code /actuator/health}) pass; CORS preflights pass (they carry no credentials).
 */
public class AdminTokenFilter extends OncePerRequestFilter {

    private final AdminToken token;
    private final List<String> protectedPrefixes;
    private final List<String> openPrefixes;

    public AdminTokenFilter(AdminToken token, List<String> protectedPrefixes, List<String> openPrefixes) {
        this.token = token;
        this.protectedPrefixes = List.copyOf(protectedPrefixes);
        this.openPrefixes = List.copyOf(openPrefixes);
    }

    @Override
    protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
            throws ServletException, IOException {
        String path = request.getRequestURI().substring(request.getContextPath().length());
        if (guarded(path) && !"OPTIONS".equals(request.getMethod())
                && !token.authorizes(request.getHeader("Authorization"))) {
            ApiErrors.write(response, 401, AdminToken.UNAUTHORIZED, AdminToken.UNAUTHORIZED_MESSAGE);
            return;
        }
        chain.doFilter(request, response);
    }

    boolean guarded(String path) {
        return protectedPrefixes.stream().anyMatch(p -> under(path, p)) && openPrefixes.stream().noneMatch(p -> under(path, p));
    }

    private static boolean under(String path, String prefix) {
        return path.equals(prefix) || path.startsWith(prefix.endsWith("/") ? prefix : prefix + "/");
    }
}
