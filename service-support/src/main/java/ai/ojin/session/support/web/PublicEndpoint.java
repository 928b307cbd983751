package ai.ojin.session.support.web;

import java.util.List;
import java.util.Set;

/**
 * One entry of a service's short public list: methods (empty: any) and a path, matched against the
 * decoded, normalised path the router sees. A path ending in {@code /**} also matches everything
 * below it.
 */
public record PublicEndpoint(Set<String> methods, String path) {

    private static final String BELOW = "/**";

    /** Health (probes included), the Prometheus endpoint and the API document: public on every service. */
    public static final List<PublicEndpoint> OPERATIONS = List.of(
            read("/actuator/health"), read("/actuator/health/**"), read("/actuator/prometheus"),
            read(OpenApiDocumentController.PATH));

    public PublicEndpoint {
        methods = Set.copyOf(methods);
    }

    public static PublicEndpoint read(String path) {
        return new PublicEndpoint(Set.of("GET", "HEAD"), path);
    }

    public static PublicEndpoint of(String method, String path) {
        return new PublicEndpoint(Set.of(method), path);
    }

    /** Every method of one path: the router answers the ones it does not serve (405 with {@code Allow}). */
    public static PublicEndpoint anyMethod(String path) {
        return new PublicEndpoint(Set.of(), path);
    }

    boolean matches(String method, String normalisedPath) {
        if (!methods.isEmpty() && !methods.contains(method)) {
            return false;
        }
        if (path.endsWith(BELOW)) {
            String parent = path.substring(0, path.length() - BELOW.length());
            return normalisedPath.startsWith(parent + "/") && normalisedPath.length() > parent.length() + 1;
        }
        return normalisedPath.equals(path);
    }
}
