package ai.ojin.session.standalone;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import ai.ojin.session.events.json.Json;
import ai.ojin.session.standalone.widget.WidgetPreset;
import ai.ojin.session.standalone.widget.WidgetServer;
import ai.ojin.session.testkit.FakeDaily;
import ai.ojin.session.testkit.TestKafka;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.openqa.selenium.By;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.logging.LogEntry;
import org.openqa.selenium.logging.LogType;
import tools.jackson.databind.JsonNode;

/**
 * The example widget page (examples/widget) in a real browser, headless Chromium, against the
 * standalone stack: the page is served on an origin of its own and calls connect-api
 * cross-origin with a JSON body, so every call goes through the browser's CORS preflight and the
 * browser decides whether the page may read the answer. Screenshots of the three states go to
 * target/. Skipped, with the reason, on a machine without Chromium and chromedriver.
 */
@ExtendWith({Chromium.class, SharedStack.class})
class WidgetBrowserTest {

    private static final Path SCREENSHOTS = Path.of("target");

    private static Stack stack;
    private static ChromeDriver browser;
    private static Path profile;
    private WidgetServer extraPage;

    /** The stack and one browser for the class, started by the first test that runs (none when Chromium is missing). */
    @BeforeEach
    void useStackAndBrowser(Stack shared) throws IOException {
        stack = shared;
        if (browser == null) {
            profile = Files.createTempDirectory("chromium-profile");
            browser = Chromium.start(profile);
        }
        browser.manage().logs().get(LogType.PERFORMANCE); // forget the network events of earlier tests
    }

    @AfterAll
    static void stopBrowser() throws IOException {
        if (browser != null) {
            browser.quit();
            browser = null;
        }
        if (profile != null) {
            try (Stream<Path> files = Files.walk(profile)) {
                files.sorted(Comparator.reverseOrder()).forEach(path -> path.toFile().delete());
            }
        }
    }

    @AfterEach
    void stopExtraPage() {
        if (extraPage != null) {
            extraPage.close();
        }
    }

    @Test
    void shouldShowASessionAndJoinTheRoomOnAnAllowedOrigin() {
        // given the page the standalone serves for demo-agent, on http://localhost:<port>
        browser.get(stack.widgetUrl());
        assertThat(text("agent-id")).isEqualTo(StandaloneStack.DEMO_AGENT);

        // when
        browser.findElement(By.id("start")).click();

        // then
        awaitState("session");
        String sessionId = text("session-id");
        assertThat(sessionId).startsWith(StandaloneStack.DEMO_AGENT + "_");
        FakeDaily.Room room = stack.daily.room(sessionId).orElseThrow();
        assertThat(text("room-url")).isEqualTo(room.url());
        // and the page joined the room with Daily's library (a stand-in here) and the user's token
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(text("status")).contains("you are in the room"));
        List<?> joins = (List<?>) browser.executeScript("return window.dailyJoins;");
        assertThat(joins).singleElement().satisfies(join -> {
            Map<?, ?> options = (Map<?, ?>) join;
            assertThat(options.get("url")).isEqualTo(room.url());
            assertThat(stack.daily.tokensForRoom(sessionId)).anySatisfy(t -> assertThat(t.token()).isEqualTo(options.get("token")));
            assertThat(options.get("token")).isNotEqualTo(stack.orchestrator.session(sessionId).orElseThrow().token());
        });
        assertThat(preflightsFrom(stack.widgetUrl())).as("CORS preflights of the connect call").hasSize(1);
        screenshot("widget-session.png");
        assertThat(stack.endSession(sessionId).statusCode()).isEqualTo(204);
    }

    @Test
    void shouldShowAuthFailedOnAnOriginThatIsNotOnTheAgentsList() {
        // given the same page on http://127.0.0.2:<port> (loopback, not on demo-agent's list)
        extraPage = WidgetServer.start(loopback("127.0.0.2"), 0,
                new WidgetPreset(stack.connectUrl(""), StandaloneStack.DEMO_AGENT, null));
        HttpResponse<String> direct = stack.connect(StandaloneStack.DEMO_AGENT, null, "http://127.0.0.2:" + extraPage.port());
        Stack.assertError(direct, 403, "auth_failed");
        browser.get(extraPage.url());

        // when
        browser.findElement(By.id("start")).click();

        // then the browser let the page read the error body: code and message are shown
        awaitState("error");
        assertThat(text("error-code")).isEqualTo("auth_failed");
        assertThat(text("status")).contains(Stack.json(direct).get("message").asString());
        assertThat(preflightsFrom(extraPage.url())).as("CORS preflights of the connect call").hasSize(1);
        screenshot("widget-auth-failed.png");
    }

    @Test
    void shouldShowItsPlaceInTheAgentsLineAndConnectByItselfInItsTurn() {
        // given an agent at its limit of one session, and the page for it (waiting in line up to 60 s)
        String agentId = TestKafka.uniqueId("widget-line");
        String holderSession = pageForAnAgentAtItsLimit(agentId, 60);

        // when
        browser.findElement(By.id("start")).click();

        // then the page shows that it is next in line ...
        await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(100)).ignoreExceptions()
                .until(() -> "waiting".equals(state()) && "1".equals(text("position")));
        screenshot("widget-line.png");

        // ... and once the held session ends, it is admitted without asking again
        assertThat(stack.endSession(holderSession).statusCode()).isEqualTo(204);
        awaitState("session");
        String sessionId = text("session-id");
        assertThat(sessionId).startsWith(agentId + "_").isNotEqualTo(holderSession);
        assertThat(stack.endSession(sessionId).statusCode()).isEqualTo(204);
    }

    @Test
    void shouldCountDownAtTheLimitAndConnectByItselfOnceASlotIsFreed() {
        // given an agent at its limit of one session, and the page for it on http://localhost:<port>,
        // set not to wait in line
        String agentId = TestKafka.uniqueId("widget-limit");
        String holderSession = pageForAnAgentAtItsLimit(agentId, 0);

        // when
        browser.findElement(By.id("start")).click();

        // then the page counts down from retry_after_seconds: 3 s, this stack's upper bound, as
        // the holder's lease runs for minutes (a slow machine may first see 2) ...
        awaitState("waiting");
        int first = Integer.parseInt(text("countdown"));
        assertThat(first).isBetween(2, 3);
        screenshot("widget-countdown.png");
        await().atMost(Duration.ofSeconds(5)).pollInterval(Duration.ofMillis(100)).ignoreExceptions()
                .until(() -> "waiting".equals(state()) && Integer.parseInt(text("countdown")) < first);

        // ... and once the held session ends, it connects by itself
        assertThat(stack.endSession(holderSession).statusCode()).isEqualTo(204);
        awaitState("session");
        String sessionId = text("session-id");
        assertThat(sessionId).startsWith(agentId + "_").isNotEqualTo(holderSession);
        assertThat(stack.endSession(sessionId).statusCode()).isEqualTo(204);
    }

    /**
     * An agent allowing one session, that session taken (its id returned), and the browser on the
     * agent's page at http://localhost:<port>, set to wait in line up to {@code waitSeconds}.
     */
    private String pageForAnAgentAtItsLimit(String agentId, int waitSeconds) {
        stack.putAgent(agentId, "published", List.of("localhost"), 1, 600);
        extraPage = WidgetServer.start(loopback("127.0.0.1"), 0,
                new WidgetPreset(stack.connectUrl(""), agentId, null, waitSeconds));
        String origin = "http://localhost:" + extraPage.port();
        HttpResponse<String> holder = stack.connect(agentId, "holder", origin);
        assertThat(holder.statusCode()).as(holder.body()).isEqualTo(200);
        browser.get(origin + "/");
        return Stack.json(holder).get("session_id").asString();
    }

    /**
     * The CORS preflights the browser sent for the connect endpoint from the page at
     * {@code pageUrl} since the last look, read from Chromium's network events.
     */
    private static List<JsonNode> preflightsFrom(String pageUrl) {
        String origin = pageUrl.replaceAll("/$", "");
        List<JsonNode> preflights = new ArrayList<>();
        for (LogEntry entry : browser.manage().logs().get(LogType.PERFORMANCE)) {
            JsonNode message = Json.MAPPER.readTree(entry.getMessage()).path("message");
            JsonNode request = message.path("params").path("request");
            if ("Network.requestWillBeSent".equals(message.path("method").asString())
                    && "OPTIONS".equals(request.path("method").asString())
                    && request.path("url").asString().endsWith("/v1/public/agents/connect")
                    && origin.equals(request.path("headers").path("Origin").asString())
                    && "POST".equals(request.path("headers").path("Access-Control-Request-Method").asString())) {
                preflights.add(request);
            }
        }
        return preflights;
    }

    private static void awaitState(String expected) {
        await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(50)).ignoreExceptions()
                .untilAsserted(() -> assertThat(state()).as(() -> text("status")).isEqualTo(expected));
    }

    private static String state() {
        return browser.findElement(By.id("widget")).getDomAttribute("data-state");
    }

    private static String text(String id) {
        return browser.findElement(By.id(id)).getText();
    }

    private static void screenshot(String name) {
        try {
            Files.createDirectories(SCREENSHOTS);
            Files.write(SCREENSHOTS.resolve(name), browser.getScreenshotAs(OutputType.BYTES));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static InetAddress loopback(String address) {
        try {
            return InetAddress.getByName(address);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
