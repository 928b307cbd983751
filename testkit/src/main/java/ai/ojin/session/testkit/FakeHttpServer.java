package ai.ojin.session.testkit;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Predicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import tools.jackson.databind.json.JsonMapper;

/**
 * Base of the local fake HTTP servers: a JDK {@link HttpServer} on 127.0.0.1 with a random port and
 * a thread per call (so hundreds of slow calls can be in flight), with knobs shared by every fake:
 * added latency, scripted failures, a request log and an in-flight gauge. Thread-safe.
 */
public abstract class FakeHttpServer implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(FakeHttpServer.class);
    protected static final JsonMapper JSON = JsonMapper.builder().build();

    private final HttpServer server;
    private final ExecutorService executor;
    private final AtomicReference<Duration> latency = new AtomicReference<>(Duration.ZERO);
    private final ConcurrentLinkedQueue<ScriptedFault> faults = new ConcurrentLinkedQueue<>();
    private final ConcurrentLinkedQueue<RecordedRequest> requests = new ConcurrentLinkedQueue<>();
    private final AtomicInteger inFlight = new AtomicInteger();
    private final AtomicInteger maxInFlight = new AtomicInteger();

    protected FakeHttpServer(String name) {
        try {
            server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 2048);
        } catch (IOException e) {
            throw new IllegalStateException("cannot start " + name, e);
        }
        AtomicInteger threads = new AtomicInteger();
        executor = Executors.newCachedThreadPool(r -> {
            Thread t = new Thread(r, name + "-" + threads.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
        server.setExecutor(executor);
        server.createContext("/", this::serve);
        server.start();
    }

    /** The port the server listens on (127.0.0.1). */
    public int port() {
        return server.getAddress().getPort();
    }

    /** Adds this latency to every call (zero by default). */
    public void setLatency(Duration latency) {
        this.latency.set(latency == null ? Duration.ZERO : latency);
    }

    public Duration latency() {
        return latency.get();
    }

    /**
     * The next {@code times} calls whose method equals {@code method} (or any method when null) and
     * whose path starts with {@code pathPrefix} (for example {@code /v1/rooms}) misbehave as
     * {@code fault} says. Scripts are consumed in the order they were added.
     */
    public void failNext(String method, String pathPrefix, int times, Fault fault) {
        failNextWhen(method, pathPrefix, call -> true, times, fault);
    }

    /**
     * Like {@link #failNext} for calls that also satisfy {@code when} (for example a body naming one
     * agent), so that one caller's calls misbehave while everyone else's are served.
     */
    public void failNextWhen(String method, String pathPrefix, Predicate<Call> when, int times, Fault fault) {
        faults.add(new ScriptedFault(method, pathPrefix, when, new AtomicInteger(times), fault));
    }

    /**
     * Drops scripted failures and the added latency, keeping the request log and the in-flight
     * maximum: what a test that shares this fake with the other tests of its class undoes after
     * itself, so that its knobs do not reach the next test.
     */
    public void clearFaults() {
        faults.clear();
        latency.set(Duration.ZERO);
    }

    /** Drops scripted failures, the request log and the in-flight maximum (not the stored state). */
    public void resetKnobs() {
        faults.clear();
        requests.clear();
        maxInFlight.set(inFlight.get());
        latency.set(Duration.ZERO);
    }

    /** Every request received so far, in arrival order. */
    public List<RecordedRequest> requests() {
        return List.copyOf(requests);
    }

    /** How many requests matched the method (null = any) and path prefix. */
    public long requestCount(String method, String pathPrefix) {
        return requests.stream()
                .filter(r -> method == null || method.equalsIgnoreCase(r.method()))
                .filter(r -> r.path().startsWith(pathPrefix))
                .count();
    }

    /** Calls being served right now. */
    public int inFlight() {
        return inFlight.get();
    }

    /** The most calls served at the same time since start (or {@link #resetKnobs()}). */
    public int maxInFlight() {
        return maxInFlight.get();
    }

    @Override
    public void close() {
        server.stop(0);
        executor.shutdownNow();
    }

    /** Serves one call after latency and faults were applied. */
    protected abstract Response handle(Call call);

    /** A request as the subclass sees it. */
    public record Call(String method, String path, Map<String, String> query, String authorization, String body) {

        public String bearer() {
            return authorization != null && authorization.startsWith("Bearer ") ? authorization.substring(7) : null;
        }
    }

    /** An answer: status, JSON body (null = empty) and extra headers. */
    public record Response(int status, String body, Map<String, String> headers) {

        public static Response json(int status, Object body) {
            return new Response(status, body == null ? null : JSON.writeValueAsString(body), Map.of());
        }

        public static Response empty(int status) {
            return new Response(status, null, Map.of());
        }
    }

    private void serve(HttpExchange exchange) {
        int now = inFlight.incrementAndGet();
        maxInFlight.accumulateAndGet(now, Math::max);
        try (exchange) {
            String method = exchange.getRequestMethod();
            String path = exchange.getRequestURI().getPath();
            String rawQuery = exchange.getRequestURI().getRawQuery();
            String authorization = exchange.getRequestHeaders().getFirst("Authorization");
            String body;
            try (InputStream in = exchange.getRequestBody()) {
                body = new String(in.readAllBytes(), StandardCharsets.UTF_8);
            }
            requests.add(new RecordedRequest(method, path, rawQuery, authorization, body, Instant.now()));
            pause(latency.get());
            Call call = new Call(method, path, parseQuery(rawQuery), authorization, body);
            Fault fault = takeFault(call);
            Response response;
            if (fault != null) {
                pause(fault.hang());
                response = fault.proceedAfterHang() ? handle(call) : new Response(fault.status(), fault.body(), fault.headers());
            } else {
                response = handle(call);
            }
            write(exchange, response);
        } catch (IOException e) {
            log.debug("client went away: {}", e.toString());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (RuntimeException e) {
            log.error("fake server failed to serve a call", e);
        } finally {
            inFlight.decrementAndGet();
        }
    }

    private Fault takeFault(Call call) {
        for (Iterator<ScriptedFault> it = faults.iterator(); it.hasNext(); ) {
            ScriptedFault scripted = it.next();
            if ((scripted.method == null || scripted.method.equalsIgnoreCase(call.method()))
                    && call.path().startsWith(scripted.pathPrefix) && scripted.when.test(call)) {
                int left = scripted.remaining.getAndDecrement();
                if (left > 0) {
                    return scripted.fault;
                }
                it.remove();
            }
        }
        return null;
    }

    private static void pause(Duration duration) throws InterruptedException {
        if (!duration.isZero() && !duration.isNegative()) {
            Thread.sleep(duration.toMillis());
        }
    }

    private static void write(HttpExchange exchange, Response response) throws IOException {
        response.headers().forEach((k, v) -> exchange.getResponseHeaders().add(k, v));
        if (response.body() == null) {
            exchange.sendResponseHeaders(response.status(), -1);
            return;
        }
        byte[] bytes = response.body().getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", "application/json");
        exchange.sendResponseHeaders(response.status(), bytes.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(bytes);
        }
    }

    private static Map<String, String> parseQuery(String rawQuery) {
        if (rawQuery == null || rawQuery.isEmpty()) {
            return Map.of();
        }
        var result = new java.util.LinkedHashMap<String, String>();
        for (String pair : rawQuery.split("&")) {
            int eq = pair.indexOf('=');
            String key = java.net.URLDecoder.decode(eq < 0 ? pair : pair.substring(0, eq), StandardCharsets.UTF_8);
            String value = eq < 0 ? "" : java.net.URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8);
            result.putIfAbsent(key, value);
        }
        return result;
    }

    private record ScriptedFault(String method, String pathPrefix, Predicate<Call> when, AtomicInteger remaining,
                                 Fault fault) {
    }
}
