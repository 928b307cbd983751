package ai.ojin.session.standalone.widget;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.net.InetAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

class WidgetServerTest {

    private static final WidgetPreset PRESET = new WidgetPreset("http://localhost:18080", "demo-agent", null);
    private final HttpClient http = HttpClient.newHttpClient();

    @Test
    void shouldPackageTheExamplePageItself() throws IOException {
        // given the page site owners copy
        String example = Files.readString(Path.of("..", "examples", "widget", "index.html"), StandardCharsets.UTF_8);

        // when / then the standalone serves that very file, not a copy of its own
        assertThat(WidgetPage.original()).isEqualTo(example);
    }

    @Test
    void shouldReplaceOnlyTheSettingsBlock() {
        // given
        String page = WidgetPage.original();

        // when
        String rendered = WidgetPage.render(page, new WidgetPreset("http://localhost:8080", "demo-agent", "https://cdn.example/daily.js"));

        // then
        JsonNode config = settings(rendered);
        assertThat(config.get("api_base").asString()).isEqualTo("http://localhost:8080");
        assertThat(config.get("agent_id").asString()).isEqualTo("demo-agent");
        assertThat(config.get("daily_js_url").asString()).isEqualTo("https://cdn.example/daily.js");
        assertThat(config.get("client_user_ref").isNull()).isTrue();
        String settingsBlock = "<script id=\"widget-config\" type=\"application/json\">";
        assertThat(rendered.substring(0, rendered.indexOf(settingsBlock))).isEqualTo(page.substring(0, page.indexOf(settingsBlock)));
        assertThat(tail(rendered)).isEqualTo(tail(page));
    }

    @Test
    void shouldKeepAScriptEndInAValueFromEndingTheSettingsBlock() {
        // when
        String rendered = WidgetPage.render(WidgetPage.original(), new WidgetPreset("http://localhost:8080", "a</script><b>", null));

        // then
        assertThat(settings(rendered).get("agent_id").asString()).isEqualTo("a</script><b>");
        assertThat(rendered).doesNotContain("a</script>");
    }

    @Test
    void shouldRefuseAPageWithoutASettingsBlockAndAnApiBaseThatIsNotHttp() {
        assertThatThrownBy(() -> WidgetPage.render("<html></html>", PRESET)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new WidgetPreset("javascript:alert(1)", "demo-agent", null))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void shouldServeThePageAtTheRootOnly() throws Exception {
        // given
        try (WidgetServer server = WidgetServer.start(InetAddress.getLoopbackAddress(), 0, PRESET)) {
            // when
            HttpResponse<String> page = get(server.url());
            HttpResponse<String> other = get(server.url() + "secret.txt");
            HttpResponse<String> post = http.send(HttpRequest.newBuilder(URI.create(server.url()))
                    .POST(HttpRequest.BodyPublishers.ofString("x")).build(), HttpResponse.BodyHandlers.ofString());

            // then
            assertThat(page.statusCode()).isEqualTo(200);
            assertThat(page.headers().firstValue("Content-Type")).contains("text/html; charset=utf-8");
            assertThat(settings(page.body()).get("api_base").asString()).isEqualTo("http://localhost:18080");
            assertThat(other.statusCode()).isEqualTo(404);
            assertThat(post.statusCode()).isEqualTo(405);
        }
    }

    @Test
    void shouldBindToLoopbackOnlyAndSayWhichPortIsTaken() throws Exception {
        assertThatThrownBy(() -> WidgetServer.start(InetAddress.getByName("0.0.0.0"), 0, PRESET))
                .isInstanceOf(IllegalArgumentException.class);
        try (WidgetServer first = WidgetServer.start(InetAddress.getLoopbackAddress(), 0, PRESET)) {
            assertThatThrownBy(() -> WidgetServer.start(InetAddress.getLoopbackAddress(), first.port(), PRESET))
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("WIDGET_PORT");
        }
    }

    private HttpResponse<String> get(String url) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create(url)).build(), HttpResponse.BodyHandlers.ofString());
    }

    private static JsonNode settings(String page) {
        String start = "<script id=\"widget-config\" type=\"application/json\">";
        int from = page.indexOf(start) + start.length();
        return JsonMapper.builder().build().readTree(page.substring(from, page.indexOf("</script>", from)));
    }

    private static String tail(String page) {
        String start = "<script id=\"widget-config\" type=\"application/json\">";
        return page.substring(page.indexOf("</script>", page.indexOf(start)));
    }
}
