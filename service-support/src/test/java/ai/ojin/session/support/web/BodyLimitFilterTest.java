package ai.ojin.session.support.web;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.apache.catalina.Context;
import org.apache.catalina.LifecycleException;
import org.apache.catalina.Wrapper;
import org.apache.catalina.connector.Connector;
import org.apache.catalina.startup.Tomcat;
import org.apache.tomcat.util.descriptor.web.FilterDef;
import org.apache.tomcat.util.descriptor.web.FilterMap;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The filter in a real Tomcat, driven over a raw socket so that the test decides when each byte of
 * a body arrives. The servlet behind it answers with the dispatch it ran in and the body it read.
 */
class BodyLimitFilterTest {

    private static final Duration BODY_TIMEOUT = Duration.ofMillis(700);

    @TempDir
    Path baseDir;
    private Tomcat tomcat;
    private int port;

    @BeforeEach
    void startTomcat() throws LifecycleException {
        tomcat = new Tomcat();
        tomcat.setBaseDir(baseDir.toString());
        Connector connector = new Connector();
        connector.setPort(0);
        tomcat.setConnector(connector);
        Context context = tomcat.addContext("", null);
        Wrapper echo = Tomcat.addServlet(context, "echo", new HttpServlet() {
            @Override
            protected void doPost(HttpServletRequest request, HttpServletResponse response) throws IOException {
                byte[] body = request.getInputStream().readAllBytes();
                response.getOutputStream().write((request.getDispatcherType() + ":").getBytes(StandardCharsets.UTF_8));
                response.getOutputStream().write(body);
            }
        });
        echo.setAsyncSupported(true);
        context.addServletMappingDecoded("/*", "echo");
        FilterDef limits = new FilterDef();
        limits.setFilterName("limits");
        limits.setFilter(new BodyLimitFilter(1024, Map.of(), BODY_TIMEOUT));
        limits.setAsyncSupported("true");
        context.addFilterDef(limits);
        FilterMap everything = new FilterMap();
        everything.setFilterName("limits");
        everything.addURLPatternDecoded("/*");
        everything.setDispatcher("REQUEST");
        everything.setDispatcher("ASYNC");
        context.addFilterMap(everything);
        tomcat.start();
        port = connector.getLocalPort();
    }

    @AfterEach
    void stopTomcat() throws LifecycleException {
        tomcat.stop();
        tomcat.destroy();
    }

    @Test
    void shouldHandOnABodyThatArrivedWithItsHeadersInTheSameDispatch() throws IOException {
        // given: a connection
        try (Socket socket = connect()) {
            // when: the headers and the whole body come in one write
            String body = "{\"agent_id\":\"a-1\",\"client_user_ref\":\"u-1\"}";
            write(socket, head(body.length()) + body);

            // then: answered from the request's own dispatch, with the whole body
            assertThat(answer(socket)).endsWith("\r\n\r\nREQUEST:" + body).startsWith("HTTP/1.1 200");
        }
    }

    @Test
    void shouldReadTheRestOfALateBodyWithoutAThreadAndKeepWhatCameWithTheHeaders() throws IOException {
        // given: the headers and the first bytes of the body
        String body = "{\"agent_id\":\"a-1\",\"client_user_ref\":\"u-2\"}";
        try (Socket socket = connect()) {
            write(socket, head(body.length()) + body.substring(0, 5));

            // when: the rest comes later
            await().pollDelay(Duration.ofMillis(200)).atMost(Duration.ofSeconds(1)).until(() -> true);
            write(socket, body.substring(5));

            // then: answered from a second dispatch once all of it was read, with the whole body in order
            assertThat(answer(socket)).endsWith("\r\n\r\nASYNC:" + body).startsWith("HTTP/1.1 200");
        }
    }

    @Test
    void shouldAnswer408WhenTheBodyDoesNotCompleteInTime() throws IOException {
        // given: the headers and 3 of the 10 bytes announced
        try (Socket socket = connect()) {
            write(socket, head(10) + "abc");

            // then: cut off after the body timeout
            assertThat(answer(socket)).startsWith("HTTP/1.1 408").contains("\"error_code\":\"request_timeout\"");
        }
    }

    private Socket connect() throws IOException {
        Socket socket = new Socket();
        socket.connect(new InetSocketAddress("127.0.0.1", port), 2000);
        socket.setSoTimeout(5000);
        return socket;
    }

    private static String head(int length) {
        return "POST /echo HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nConnection: close\r\n"
                + "Content-Length: " + length + "\r\n\r\n";
    }

    private static void write(Socket socket, String text) throws IOException {
        OutputStream out = socket.getOutputStream();
        out.write(text.getBytes(StandardCharsets.UTF_8));
        out.flush();
    }

    /** The whole answer: the server closes the connection after it. */
    private static String answer(Socket socket) throws IOException {
        InputStream in = socket.getInputStream();
        return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
}
