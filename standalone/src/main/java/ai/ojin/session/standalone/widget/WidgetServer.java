package ai.ojin.session.standalone.widget;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.BindException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Serves the widget page on an origin of its own, so that the page calls the session API
 * cross-origin like a page on a customer's site does (CORS preflight included). Static: one page
 * at {@code /}; GET and HEAD only. Bound to a loopback address: it is a local demo, not a web server.
 */
public final class WidgetServer implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(WidgetServer.class);

    private final HttpServer server;
    private final String host;

    private WidgetServer(HttpServer server, String host) {
        this.server = server;
        this.host = host;
    }

    /**
     * @param address a loopback address (others are refused)
     * @param port the port, 0 for any free one
     */
    public static WidgetServer start(InetAddress address, int port, WidgetPreset preset) {
        if (!address.isLoopbackAddress()) {
            throw new IllegalArgumentException("the widget server binds to loopback addresses only, not " + address);
        }
        byte[] page = WidgetPage.render(WidgetPage.original(), preset).getBytes(StandardCharsets.UTF_8);
        HttpServer server;
        try {
            server = HttpServer.create(new InetSocketAddress(address, port), 16);
        } catch (BindException e) {
            throw new IllegalStateException("port " + port + " on " + address.getHostAddress()
                    + " is in use: set WIDGET_PORT to a free port, or to 0 to turn the widget page off", e);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start the widget server", e);
        }
        server.createContext("/", exchange -> serve(exchange, page));
        server.start();
        String host = address.getHostAddress().contains(":") ? "[" + address.getHostAddress() + "]" : address.getHostAddress();
        WidgetServer started = new WidgetServer(server, host);
        log.info("Widget page for agent '{}' (calling {}) on {}", preset.agentId(), preset.apiBase(), started.url());
        return started;
    }

    public int port() {
        return server.getAddress().getPort();
    }

    /** The page's URL on the bound address, e.g. {@code http://127.0.0.1:8090/}. */
    public String url() {
        return "http://" + host + ":" + port() + "/";
    }

    @Override
    public void close() {
        server.stop(0);
    }

    private static void serve(HttpExchange exchange, byte[] page) throws IOException {
        try (exchange) {
            String path = exchange.getRequestURI().getPath();
            String method = exchange.getRequestMethod();
            exchange.getResponseHeaders().set("X-Content-Type-Options", "nosniff");
            exchange.getResponseHeaders().set("Cache-Control", "no-store");
            if (!"/".equals(path) && !"/index.html".equals(path)) {
                send(exchange, 404, "text/plain; charset=utf-8", "not found\n".getBytes(StandardCharsets.UTF_8), method);
            } else if (!"GET".equals(method) && !"HEAD".equals(method)) {
                exchange.getResponseHeaders().set("Allow", "GET, HEAD");
                send(exchange, 405, "text/plain; charset=utf-8", "method not allowed\n".getBytes(StandardCharsets.UTF_8), method);
            } else {
                send(exchange, 200, "text/html; charset=utf-8", page, method);
            }
        }
    }

    private static void send(HttpExchange exchange, int status, String contentType, byte[] body, String method)
            throws IOException {
        exchange.getResponseHeaders().set("Content-Type", contentType);
        if ("HEAD".equals(method)) {
            exchange.sendResponseHeaders(status, -1);
            return;
        }
        exchange.sendResponseHeaders(status, body.length);
        exchange.getResponseBody().write(body);
    }
}
