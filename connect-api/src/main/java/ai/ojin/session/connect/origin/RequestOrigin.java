package ai.ojin.session.connect.origin;

import java.util.Locale;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * A well-formed browser origin: {@code http} or {@code https}, a host (DNS name, IPv4 address or
 * bracketed IPv6 address) and an optional port, nothing else: no userinfo, path, query, fragment,
 * trailing dot or whitespace. The host is kept lower-cased.
 *
 * @param raw the header value exactly as sent (what CORS echoes)
 */
public record RequestOrigin(String raw, String scheme, String host, Integer port) {

    private static final String LABEL = "[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?";
    static final String HOST = "(?:" + LABEL + "(?:\\." + LABEL + ")*|\\[[0-9a-f:.]{2,45}\\])";
    private static final Pattern ORIGIN = Pattern.compile(
            "(https?)://(" + HOST + ")(?::([0-9]{1,5}))?", Pattern.CASE_INSENSITIVE);

    /** @return the origin, or empty when the value is missing, {@code null} or malformed */
    public static Optional<RequestOrigin> parse(String value) {
        if (value == null || value.length() > 300) {
            return Optional.empty();
        }
        var matcher = ORIGIN.matcher(value);
        if (!matcher.matches()) {
            return Optional.empty();
        }
        String host = matcher.group(2).toLowerCase(Locale.ROOT);
        if (host.length() > 253) {
            return Optional.empty();
        }
        Integer port = null;
        if (matcher.group(3) != null) {
            port = Integer.parseInt(matcher.group(3));
            if (port < 1 || port > 65535) {
                return Optional.empty();
            }
        }
        return Optional.of(new RequestOrigin(value, matcher.group(1).toLowerCase(Locale.ROOT), host, port));
    }

    /** The port in effect: the explicit one, else 443 for https and 80 for http. */
    public int effectivePort() {
        if (port != null) {
            return port;
        }
        return "https".equals(scheme) ? 443 : 80;
    }
}
