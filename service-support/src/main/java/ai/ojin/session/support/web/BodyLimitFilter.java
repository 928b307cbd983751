package ai.ojin.session.support.web;

import jakarta.servlet.AsyncContext;
import jakarta.servlet.AsyncEvent;
import jakarta.servlet.AsyncListener;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ReadListener;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletInputStream;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletRequestWrapper;
import jakarta.servlet.http.HttpServletResponse;
import java.io.BufferedReader;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import org.springframework.web.filter.OncePerRequestFilter;

/**
 * The size and time limits of every request body, before anything else reads it.
 * <ul>
 * <li>A {@code Content-Length} above the limit of the path is answered 413 {@code payload_too_large}
 *     without reading a byte; a chunked body is refused as soon as it goes over.</li>
 * <li>A body already in the server's buffer (the usual small request) is read at once and handed
 *     on in the same dispatch. The rest of any other body is read without holding a server thread
 *     (non-blocking servlet I/O), then the request is dispatched again: a client that sends it
 *     slowly costs a connection, not one of the threads that serve everybody else. A body not
 *     complete within {@code bodyTimeout} is answered 408 {@code request_timeout} and its
 *     connection closed.</li>
 * </ul>
 * Accepted bodies are buffered and handed on, so nothing downstream reads the connection. The
 * limit of a path is that of its longest matching prefix, else the default.
 */
public class BodyLimitFilter extends OncePerRequestFilter {

    public static final String PAYLOAD_TOO_LARGE = "payload_too_large";
    public static final String REQUEST_TIMEOUT = "request_timeout";
    public static final Duration DEFAULT_BODY_TIMEOUT = Duration.ofSeconds(10);
    private static final String BODY = BodyLimitFilter.class.getName() + ".body";

    private final int defaultLimit;
    private final Map<String, Integer> limitsByPrefix;
    private final Duration bodyTimeout;

    public BodyLimitFilter(int defaultLimit, Map<String, Integer> limitsByPrefix, Duration bodyTimeout) {
        this.defaultLimit = defaultLimit;
        Map<String, Integer> sorted = new LinkedHashMap<>();
        limitsByPrefix.entrySet().stream()
                .sorted(Comparator.comparingInt((Map.Entry<String, Integer> e) -> e.getKey().length()).reversed())
                .forEach(e -> sorted.put(e.getKey(), e.getValue()));
        this.limitsByPrefix = sorted;
        this.bodyTimeout = bodyTimeout;
    }

    public BodyLimitFilter(int defaultLimit, Map<String, Integer> limitsByPrefix) {
        this(defaultLimit, limitsByPrefix, DEFAULT_BODY_TIMEOUT);
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

    /** This filter also runs on the dispatch that follows a body read in the background. */
    @Override
    protected boolean shouldNotFilterAsyncDispatch() {
        return false;
    }

    @Override
    protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
            throws ServletException, IOException {
        if (isAsyncDispatch(request)) {
            Object body = request.getAttribute(BODY);
            request.removeAttribute(BODY);
            chain.doFilter(body instanceof byte[] bytes ? new BufferedBodyRequest(request, bytes) : request, response);
            return;
        }
        int limit = limitOf(request.getRequestURI().substring(request.getContextPath().length()));
        long length = request.getContentLengthLong();
        if (length > limit) {
            tooLarge(response, limit);
            return;
        }
        boolean chunked = request.getHeader("Transfer-Encoding") != null;
        if (length <= 0 && !chunked) {
            chain.doFilter(new BufferedBodyRequest(request, new byte[0]), response);
            return;
        }
        ServletInputStream in = request.getInputStream();
        // (sized to the announced length up to 8 KiB: a length is a client's word, not its bytes)
        ByteArrayOutputStream body = new ByteArrayOutputStream((int) Math.min(Math.max(length, 256), 8192));
        if (length > 0) {
            // (at most the path's limit, checked above)
            byte[] bytes = new byte[(int) length];
            int read = readBuffered(in, bytes);
            if (read == length) {
                chain.doFilter(new BufferedBodyRequest(request, bytes), response);
                return;
            }
            body.write(bytes, 0, read);
        }
        readInBackground(request, response, in, limit, body);
    }

    /**
     * Reads what the server already holds of the body into {@code bytes}, without waiting for the
     * client; returns how many bytes that was. Tomcat's {@code available()} says only whether some
     * bytes are buffered (1 or 0), not how many, so read while it says so; a read then returns what
     * is buffered and does not block.
     */
    private static int readBuffered(ServletInputStream in, byte[] bytes) throws IOException {
        int read = 0;
        while (read < bytes.length && in.available() > 0) {
            int n = in.read(bytes, read, bytes.length - read);
            if (n < 0) {
                break;
            }
            read += n;
        }
        return read;
    }

    /**
     * Reads the rest of the body as it arrives, on no thread of ours, after the part already read;
     * then dispatches the request again with it.
     */
    private void readInBackground(HttpServletRequest request, HttpServletResponse response, ServletInputStream in,
            int limit, ByteArrayOutputStream body) {
        AsyncContext async = request.startAsync(request, response);
        async.setTimeout(bodyTimeout.toMillis());
        AtomicBoolean done = new AtomicBoolean();
        async.addListener(new AsyncListener() {
            @Override
            public void onTimeout(AsyncEvent event) throws IOException {
                if (done.compareAndSet(false, true)) {
                    refuse(response, 408, REQUEST_TIMEOUT,
                            "Request body not received within " + bodyTimeout.toSeconds() + " s");
                    async.complete();
                }
            }

            @Override
            public void onError(AsyncEvent event) {
                if (done.compareAndSet(false, true)) {
                    async.complete();
                }
            }

            @Override
            public void onComplete(AsyncEvent event) {
            }

            @Override
            public void onStartAsync(AsyncEvent event) {
            }
        });
        in.setReadListener(new ReadListener() {
            private final byte[] buffer = new byte[4096];

            @Override
            public void onDataAvailable() throws IOException {
                while (!done.get() && in.isReady()) {
                    int n = in.read(buffer);
                    if (n < 0) {
                        return;
                    }
                    body.write(buffer, 0, n);
                    if (body.size() > limit && done.compareAndSet(false, true)) {
                        tooLarge(response, limit);
                        async.complete();
                        return;
                    }
                }
            }

            @Override
            public void onAllDataRead() {
                if (done.compareAndSet(false, true)) {
                    request.setAttribute(BODY, body.toByteArray());
                    async.dispatch();
                }
            }

            @Override
            public void onError(Throwable t) {
                if (done.compareAndSet(false, true)) {
                    async.complete();
                }
            }
        });
    }

    private static void tooLarge(HttpServletResponse response, int limit) throws IOException {
        refuse(response, 413, PAYLOAD_TOO_LARGE, "Request body is larger than " + limit + " bytes");
    }

    /** The rest of the body is not read: close the connection rather than drain it. */
    private static void refuse(HttpServletResponse response, int status, String errorCode, String message)
            throws IOException {
        response.setHeader("Connection", "close");
        ApiErrors.write(response, status, errorCode, message);
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
