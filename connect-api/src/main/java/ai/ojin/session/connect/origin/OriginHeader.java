package ai.ojin.session.connect.origin;

import jakarta.servlet.http.HttpServletRequest;
import java.util.Collections;
import java.util.List;
import java.util.Optional;
import org.springframework.http.HttpHeaders;

/**
 * The {@code Origin} request header as received: absent, or present with a well-formed
 * {@link RequestOrigin} or not ({@code null}, malformed, or sent more than once).
 */
public record OriginHeader(boolean present, String raw, Optional<RequestOrigin> origin) {

    public static final OriginHeader ABSENT = new OriginHeader(false, null, Optional.empty());

    public static OriginHeader of(HttpServletRequest request) {
        List<String> values = Collections.list(request.getHeaders(HttpHeaders.ORIGIN));
        if (values.isEmpty()) {
            return ABSENT;
        }
        if (values.size() > 1) {
            return new OriginHeader(true, String.join(",", values), Optional.empty());
        }
        return of(values.get(0));
    }

    public static OriginHeader of(String value) {
        if (value == null) {
            return ABSENT;
        }
        return new OriginHeader(true, value, RequestOrigin.parse(value));
    }

    public boolean wellFormed() {
        return origin.isPresent();
    }
}
