package ai.ojin.session.standalone;

import static org.assertj.core.api.Assertions.assertThat;

import ai.ojin.session.testkit.TestKafka;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * An attacker's tour of every protected endpoint of every service, without the admin token, with
 * each path written in the ways a container or router may read differently ({@code ;} parameters
 * at each segment, encoded characters, doubled and dot segments, a trailing slash, upper case,
 * {@code %00}). Requests are written on a raw socket, so no client normalises them. Every answer
 * must be 400, 401 or 404; and nothing may have changed: the agent was not created, the session
 * still runs, no call record was read.
 */
@ExtendWith(SharedStack.class)
class PathTricksEndToEndTest {

    private static Stack stack;

    @BeforeAll
    static void useSharedStack(Stack shared) {
        stack = shared;
    }

    private record Target(int port, String method, String path, String body) {
    }

    @Test
    void shouldAnswerNoProtectedEndpointOfAnyServiceWithoutTheToken() {
        // given: an agent with a live session, and the protected endpoints of the three web services
        String agentId = TestKafka.uniqueId("tricks");
        stack.putAgent(agentId, "published", List.of("shop.example.com"), 2, 600);
        HttpResponse<String> connect = stack.connect(agentId, "victim", "https://shop.example.com");
        assertThat(connect.statusCode()).as(connect.body()).isEqualTo(200);
        String sessionId = Stack.json(connect).get("session_id").asString();
        String evil = TestKafka.uniqueId("evil");
        String agentBody = "{\"status\":\"published\",\"allowed_hostnames\":[\"*\"],\"max_concurrency\":10000,"
                + "\"max_session_seconds\":600}";
        int api = stack.stack.connectApiPort();
        int worker = stack.stack.roomWorkerPort();
        int history = stack.stack.callHistoryPort();
        List<Target> targets = List.of(
                new Target(api, "PUT", "/v1/admin/agents/" + evil, agentBody),
                new Target(api, "GET", "/v1/admin/agents/" + agentId, null),
                new Target(api, "DELETE", "/v1/admin/agents/" + agentId, null),
                new Target(api, "DELETE", "/v1/sessions/" + sessionId, null),
                new Target(api, "GET", "/actuator/metrics", null),
                new Target(api, "GET", "/actuator/info", null),
                new Target(api, "GET", "/error", null),
                new Target(worker, "GET", "/actuator/metrics", null),
                new Target(worker, "GET", "/error", null),
                new Target(history, "GET", "/v1/call-history", null),
                new Target(history, "GET", "/actuator/metrics", null),
                new Target(history, "GET", "/error", null));

        // when: each is tried with every trick
        List<String> answered = new ArrayList<>();
        int tried = 0;
        for (Target target : targets) {
            for (String path : tricks(target.path())) {
                int status = rawStatus(target.port(), target.method(), path, target.body());
                tried++;
                if (status != 400 && status != 401 && status != 404) {
                    answered.add(status + " " + target.method() + " :" + target.port() + path);
                }
            }
        }

        // then: none answered, and nothing changed
        assertThat(tried).isGreaterThan(200);
        assertThat(answered).isEmpty();
        assertThat(adminGet("/v1/admin/agents/" + evil).statusCode()).isEqualTo(404);
        assertThat(adminGet("/v1/admin/agents/" + agentId).statusCode()).isEqualTo(200);
        HttpResponse<String> ended = stack.endSession(sessionId);
        assertThat(ended.statusCode()).as("the session was still live, so the owner can end it").isEqualTo(204);
    }

    @Test
    void shouldServeThePublicListWithoutTheTokenAndNothingElse() {
        // given / when / then: the short public list answers on every service
        for (String url : List.of(stack.connectUrl("/actuator/health/readiness"), stack.workerUrl("/actuator/health"),
                stack.historyUrl("/actuator/prometheus"), stack.workerUrl("/openapi.yaml"))) {
            assertThat(get(url, null).statusCode()).as(url).isEqualTo(200);
        }
        // and an unknown path is not even told apart from a protected one without the token
        assertThat(get(stack.workerUrl("/v1/anything"), null).statusCode()).isEqualTo(401);
        assertThat(get(stack.historyUrl("/v1/call-history"), null).statusCode()).isEqualTo(401);
        // and with the token, Spring's own errors keep the JSON error shape
        HttpResponse<String> missing = get(stack.historyUrl("/v1/no-such"), Stack.ADMIN_TOKEN);
        assertThat(missing.statusCode()).isEqualTo(404);
        assertThat(Stack.json(missing).get("error_code").asString()).isEqualTo("not_found");
        HttpResponse<String> error = get(stack.historyUrl("/error"), Stack.ADMIN_TOKEN);
        assertThat(error.statusCode()).isEqualTo(404);
        HttpResponse<String> wrongMethod = stack.send(HttpRequest.newBuilder(URI.create(stack.historyUrl("/v1/call-history")))
                .header("Authorization", "Bearer " + Stack.ADMIN_TOKEN).DELETE());
        assertThat(wrongMethod.statusCode()).isEqualTo(405);
        assertThat(Stack.json(wrongMethod).get("error_code").asString()).isEqualTo("method_not_allowed");
    }

    /** The path and its tricks: {@code ;x} at each segment, encodings, doubled and dot segments, case, NUL. */
    static List<String> tricks(String path) {
        List<String> tricks = new ArrayList<>(List.of(path));
        String[] segments = path.substring(1).split("/");
        for (int i = 0; i < segments.length; i++) {
            String[] withParam = segments.clone();
            withParam[i] = withParam[i] + ";x";
            tricks.add("/" + String.join("/", withParam));
        }
        String first = "/" + segments[0] + "/";
        tricks.addAll(List.of(
                path.replaceFirst(first, "/" + segments[0] + "%2F"),
                path.replaceFirst(first, "/" + segments[0] + "%2f"),
                path.replace("a", "%61").replace("e", "%65"),
                "/" + path,
                path.replaceFirst(first, first + "/"),
                "/." + path,
                path.replaceFirst(first, first + "./"),
                "/v1/public/.." + path,
                "/actuator/health/.." + path,
                "/actuator/health/%2e%2e" + path,
                path + "/",
                path.toUpperCase(),
                path + "%00",
                path + "%2500",
                path.replaceFirst(first, "/" + segments[0] + "%5C"),
                path + ";jsessionid=1"));
        return tricks;
    }

    private static HttpResponse<String> adminGet(String path) {
        return get(stack.connectUrl(path), Stack.ADMIN_TOKEN);
    }

    private static HttpResponse<String> get(String url, String token) {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(url)).GET();
        if (token != null) {
            request.header("Authorization", "Bearer " + token);
        }
        return stack.send(request);
    }

    /** One request as written, on its own connection; the status code of the answer. */
    static int rawStatus(int port, String method, String path, String body) {
        byte[] payload = body == null ? new byte[0] : body.getBytes(StandardCharsets.UTF_8);
        StringBuilder head = new StringBuilder(method).append(' ').append(path).append(" HTTP/1.1\r\n")
                .append("Host: 127.0.0.1:").append(port).append("\r\nConnection: close\r\n");
        if (body != null) {
            head.append("Content-Type: application/json\r\nContent-Length: ").append(payload.length).append("\r\n");
        }
        head.append("\r\n");
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress("127.0.0.1", port), 5000);
            socket.setSoTimeout(10_000);
            OutputStream out = socket.getOutputStream();
            out.write(head.toString().getBytes(StandardCharsets.ISO_8859_1));
            out.write(payload);
            out.flush();
            InputStream in = socket.getInputStream();
            String statusLine = new String(in.readNBytes(12), StandardCharsets.ISO_8859_1);
            if (!statusLine.startsWith("HTTP/1.1 ")) {
                throw new AssertionError("not an HTTP answer to " + method + " " + path + ": " + statusLine);
            }
            return Integer.parseInt(statusLine.substring(9, 12));
        } catch (IOException e) {
            throw new UncheckedIOException(method + " " + path, e);
        }
    }

}
