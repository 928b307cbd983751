package ai.ojin.session.connect.origin;

import java.util.List;
import java.util.Optional;

/**
 * The hostname allowlist rule of the public endpoint.
 * <ul>
 *   <li>no entries: the agent is private, every request is rejected;</li>
 *   <li>an entry {@code *}: every request is accepted, with any Origin or none;</li>
 *   <li>otherwise the request needs exactly one well-formed Origin whose lower-cased host equals
 *       an entry's host exactly (no suffix or substring matching), and whose effective port
 *       (explicit, else 443/80) equals the entry's port when the entry names one. A missing
 *       Origin, {@code Origin: null} and malformed origins are rejected.</li>
 * </ul>
 */
public final class OriginPolicy {

    private OriginPolicy() {
    }

    public static boolean allows(List<String> allowedHostnames, OriginHeader header) {
        if (allowedHostnames.isEmpty()) {
            return false;
        }
        List<AllowedHostname> entries = allowedHostnames.stream()
                .map(AllowedHostname::parse)
                .flatMap(Optional::stream)
                .toList();
        if (entries.stream().anyMatch(AllowedHostname::wildcard)) {
            return true;
        }
        return header.origin()
                .map(origin -> entries.stream().anyMatch(entry -> entry.matches(origin)))
                .orElse(false);
    }
}
