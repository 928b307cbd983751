package ai.ojin.session.connect.session;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.OptionalInt;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The {@code wait} preference of {@code Prefer} headers (RFC 7240): {@code Prefer: wait=N}, N
 * whole seconds. The header may be repeated and may hold several comma-separated preferences, each
 * with {@code ;} parameters; names are case-insensitive and a value may be a token or a quoted
 * string. As the RFC says, a preference that cannot be understood is ignored, and of a preference
 * given more than once only the first counts (a first {@code wait} that is not a number of
 * seconds makes the request one without a wait).
 */
public final class PreferHeader {

    public static final String PREFER = "Prefer";
    public static final String PREFERENCE_APPLIED = "Preference-Applied";

    private static final String TOKEN = "[!#$%&'*+.^_`|~0-9A-Za-z-]+";
    private static final String QUOTED = "\"(?:[^\"\\\\]|\\\\.)*\"";
    private static final String WORD = "(?:" + TOKEN + "|" + QUOTED + ")";
    private static final String OWS = "[ \\t]*";
    private static final Pattern PREFERENCE = Pattern.compile(OWS + "(" + TOKEN + ")" + "(?:" + OWS + "=" + OWS + "(" + WORD + "))?"
            + "((?:" + OWS + ";(?:" + OWS + TOKEN + "(?:" + OWS + "=" + OWS + WORD + ")?)?)*)" + OWS);
    private static final Pattern SECONDS = Pattern.compile("[0-9]+");

    private PreferHeader() {
    }

    /**
     * @param headers every {@code Prefer} header of the request, in order
     * @return the seconds of the first {@code wait} preference, capped at {@code maxSeconds}; empty
     *     when there is none or it is not a number of seconds
     */
    public static OptionalInt waitSeconds(List<String> headers, int maxSeconds) {
        for (String header : headers) {
            for (String element : elements(header)) {
                Matcher m = PREFERENCE.matcher(element);
                if (!m.matches() || !m.group(1).toLowerCase(Locale.ROOT).equals("wait")) {
                    continue;
                }
                String value = m.group(2) == null ? null : unquote(m.group(2));
                if (value == null || !SECONDS.matcher(value).matches()) {
                    return OptionalInt.empty();
                }
                String digits = value.replaceFirst("^0+(?=.)", "");
                long seconds = digits.length() > 10 ? Long.MAX_VALUE : Long.parseLong(digits);
                return OptionalInt.of((int) Math.min(seconds, Math.max(0, maxSeconds)));
            }
        }
        return OptionalInt.empty();
    }

    /** The header's comma-separated elements (commas inside quoted strings do not separate). */
    static List<String> elements(String header) {
        List<String> elements = new ArrayList<>();
        if (header == null) {
            return elements;
        }
        StringBuilder current = new StringBuilder();
        boolean quoted = false;
        for (int i = 0; i < header.length(); i++) {
            char c = header.charAt(i);
            if (quoted && c == '\\' && i + 1 < header.length()) {
                current.append(c).append(header.charAt(++i));
                continue;
            }
            if (c == '"') {
                quoted = !quoted;
            }
            if (c == ',' && !quoted) {
                elements.add(current.toString());
                current.setLength(0);
            } else {
                current.append(c);
            }
        }
        elements.add(current.toString());
        elements.removeIf(e -> e.isBlank());
        return elements;
    }

    private static String unquote(String word) {
        if (!word.startsWith("\"")) {
            return word;
        }
        return word.substring(1, word.length() - 1).replaceAll("\\\\(.)", "$1");
    }
}
