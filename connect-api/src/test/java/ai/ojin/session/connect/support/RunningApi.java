package ai.ojin.session.connect.support;

import ai.ojin.session.connect.ConnectApiApplication;
import ai.ojin.session.events.topic.SessionTopics;
import ai.ojin.session.testkit.HttpCalls;
import ai.ojin.session.testkit.TestKafka;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.springframework.boot.web.server.context.WebServerApplicationContext;
import org.springframework.context.ConfigurableApplicationContext;

/** A connect-api instance on a random port, talked to over real HTTP. */
public final class RunningApi implements AutoCloseable {

    public static final String ADMIN_TOKEN = "test-admin-token-0123456789";

    private final ConfigurableApplicationContext context;
    private final String baseUrl;
    private final int port;
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(10)).build();

    private RunningApi(ConfigurableApplicationContext context) {
        this.context = context;
        this.port = ((WebServerApplicationContext) context).getWebServer().getPort();
        this.baseUrl = "http://127.0.0.1:" + port;
    }

    /** Starts an instance; {@code extra} are passed as command-line properties (highest precedence). */
    public static RunningApi start(SessionTopics topics, Map<String, String> extra) {
        List<String> args = new ArrayList<>(List.of(
                "--server.port=0",
                "--KAFKA_BOOTSTRAP_SERVERS=" + TestKafka.bootstrapServers(),
                "--ADMIN_TOKEN=" + ADMIN_TOKEN,
                "--session.topics.prefix=" + prefixOf(topics)));
        extra.forEach((key, value) -> args.add("--" + key + "=" + value));
        return new RunningApi(ConnectApiApplication.builder().run(args.toArray(String[]::new)));
    }

    public static String prefixOf(SessionTopics topics) {
        String name = topics.agents().name();
        return name.substring(0, name.length() - "agents".length());
    }

    /** The HTTP port (for raw socket clients). */
    public int port() {
        return port;
    }

    public ConfigurableApplicationContext context() {
        return context;
    }

    public <T> T bean(Class<T> type) {
        return context.getBean(type);
    }

    public HttpRequest.Builder request(String path) {
        return HttpRequest.newBuilder(URI.create(baseUrl + path)).timeout(Duration.ofSeconds(60));
    }

    public HttpRequest.Builder admin(String path) {
        return request(path).header("Authorization", "Bearer " + ADMIN_TOKEN);
    }

    public HttpResponse<String> send(HttpRequest.Builder request) {
        return HttpCalls.send(http, request);
    }

    public HttpClient http() {
        return http;
    }

    /** A connect request with a JSON body and, when not null, an Origin header. */
    public HttpRequest.Builder connect(String json, String origin) {
        HttpRequest.Builder request = request("/v1/public/agents/connect")
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(json));
        if (origin != null) {
            request.header("Origin", origin);
        }
        return request;
    }

    /** Stores an agent through the admin API and returns the response. */
    public HttpResponse<String> putAgent(String agentId, String status, List<String> hostnames, int maxConcurrency) {
        String hosts = String.join(",", hostnames.stream().map(h -> "\"" + h + "\"").toList());
        String body = "{\"status\":\"" + status + "\",\"allowed_hostnames\":[" + hosts + "],\"max_concurrency\":" + maxConcurrency
                + ",\"max_session_seconds\":600}";
        return send(admin("/v1/admin/agents/" + agentId).header("Content-Type", "application/json")
                .PUT(HttpRequest.BodyPublishers.ofString(body)));
    }

    @Override
    public void close() {
        context.close();
    }
}
