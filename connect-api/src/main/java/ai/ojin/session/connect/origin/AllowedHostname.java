package ai.ojin.session.connect.origin;

import java.util.Locale;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * One entry of an agent's {@code allowed_hostnames}: {@code *}, or a hostname with an optional
 * {@code :port}. Entries are stored lower-cased.
 */
public record AllowedHostname(boolean wildcard, String host, Integer port) {

    public static final String WILDCARD = "*";
    private static final Pattern ENTRY = Pattern.compile("(" + RequestOrigin.HOST + ")(?::([0-9]{1,5}))?", Pattern.CASE_INSENSITIVE);

    /** @return the entry, or empty when the text is neither {@code *} nor {@code host[:port]} */
    public static Optional<AllowedHostname> parse(String entry) {
        if (entry == null) {
            return Optional.empty();
        }
        if (WILDCARD.equals(entry)) {
            return Optional.of(new AllowedHostname(true, null, null));
        }
        var matcher = ENTRY.matcher(entry);
        if (!matcher.matches() || matcher.group(1).length() > 253) {
            return Optional.empty();
        }
        Integer port = null;
        if (matcher.group(2) != null) {
            port = Integer.parseInt(matcher.group(2));
            if (port < 1 || port > 65535) {
                return Optional.empty();
            }
        }
        return Optional.of(new AllowedHostname(false, matcher.group(1).toLowerCase(Locale.ROOT), port));
    }

    /** Exact host comparison; an entry with a port also needs the origin's effective port. */
    public boolean matches(RequestOrigin origin) {
        if (wildcard) {
            return true;
        }
        return host.equals(origin.host()) && (port == null || port == origin.effectivePort());
    }

    /** The stored form: {@code *} or the lower-cased {@code host[:port]}. */
    public String canonical() {
        if (wildcard) {
            return WILDCARD;
        }
        return port == null ? host : host + ":" + port;
    }
}
