package ai.ojin.session.support.web;

import jakarta.servlet.FilterChain;
import jakarta.servlet.ReadListener;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletInputStream;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletRequestWrapper;
import jakarta.servlet.http.HttpServletResponse;
import java.io.BufferedReader;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.Map;
import org.springframework.web.filter.OncePerRequestFilter;

/**
 * The body limit of every HTTP endpoint: a request whose {@code Content-Length} is above the limit
 * of its path is answered 413 {@code payload_too_large} (the shared JSON error) without reading a
 * byte; a body without a length (chunked) is read up to limit + 1 bytes and refused as soon as it
 * goes over. Accepted bodies are buffered and handed on, so nothing downstream reads more.
 * The limit of a path is that of its longest matching prefix, else the default.
 */
public class BodyLimitFilter extends OncePerRequestFilter {

    public static final String PAYLOAD_TOO_LARGE = "payload_too_large";

    private final int defaultLimit;
    private final Map<String, Integer> limitsByPrefix;

    public BodyLimitFilter(int defaultLimit, Map<String, Integer> limitsByPrefix) {
        this.defaultLimit = defaultLimit;
        Map<String, Integer> sorted = new LinkedHashMap<>();
        limitsByPrefix.entrySet().stream()
                .sorted(Comparator.comparingInt((Map.Entry<String, Integer> e) -> e.getKey().length()).reversed())
                .forEach(e -> sorted.put(e.getKey(), e.getValue()));
        this.limitsByPrefix = sorted;
    }

    public BodyLimitFilter(int limit) {
        this(limit, Map.of());
    }

    /** The limit, in bytes, of a request to this path. */
    public int limitOf(String path) {
        for (Map.Entry<String, Integer> entry : limitsByPrefix.entrySet()) {
            if (path.startsWith(entry.getKey())) {
                return entry.getValue();
            }
        }
        return defaultLimit;
    }

    @Override
    protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
            throws ServletException, IOException {
        int limit = limitOf(request.getRequestURI().substring(request.getContextPath().length()));
        if (request.getContentLengthLong() > limit) {
            tooLarge(response, limit);
            return;
        }
        byte[] body = request.getInputStream().readNBytes(limit + 1);
        if (body.length > limit) {
            tooLarge(response, limit);
            return;
        }
        chain.doFilter(new BufferedBodyRequest(request, body), response);
    }

    private static void tooLarge(HttpServletResponse response, int limit) throws IOException {
        // The rest of the body is not read: close the connection rather than drain it.
        response.setHeader("Connection", "close");
        ApiErrors.write(response, 413, PAYLOAD_TOO_LARGE, "Request body is larger than " + limit + " bytes");
    }

    private static final class BufferedBodyRequest extends HttpServletRequestWrapper {

        private final byte[] body;

        BufferedBodyRequest(HttpServletRequest request, byte[] body) {
            super(request);
            this.body = body;
        }

        @Override
        public int getContentLength() {
            return body.length;
        }

        @Override
        public long getContentLengthLong() {
            return body.length;
        }

        @Override
        public ServletInputStream getInputStream() {
            ByteArrayInputStream in = new ByteArrayInputStream(body);
            return new ServletInputStream() {
                @Override
                public boolean isFinished() {
                    return in.available() == 0;
                }

                @Override
                public boolean isReady() {
                    return true;
                }

                @Override
                public void setReadListener(ReadListener listener) {
                    throw new UnsupportedOperationException("the body is already buffered");
                }

                @Override
                public int read() {
                    return in.read();
                }

                @Override
                public int read(byte[] b, int off, int len) {
                    return in.read(b, off, len);
                }
            };
        }

        @Override
        public BufferedReader getReader() {
            String encoding = getCharacterEncoding();
            Charset charset = encoding == null ? StandardCharsets.UTF_8 : Charset.forName(encoding);
            return new BufferedReader(new InputStreamReader(getInputStream(), charset));
        }
    }
}
