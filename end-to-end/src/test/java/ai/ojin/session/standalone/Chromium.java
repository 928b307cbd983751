package ai.ojin.session.standalone;

import static org.awaitility.Awaitility.await;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.logging.Level;
import org.awaitility.core.ConditionTimeoutException;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.logging.LogType;
import org.openqa.selenium.logging.LoggingPreferences;

/**
 * The machine's headless Chromium, driven through its chromedriver (Debian's {@code chromium} and
 * {@code chromium-driver}; {@code CHROME_BIN} and {@code CHROMEDRIVER} point elsewhere). As an
 * extension it skips each test, with the reason, when either is missing; it runs before the
 * test's {@code @BeforeEach} methods, so nothing is started for a skipped test. (Per test, not per
 * class: Maven's report counts a skipped class as no tests at all.) When {@code CHROMIUM_INSTALL_DONE}
 * names a file, Chromium is being installed beside this run ({@code .ci/run} does so, as the browser
 * is needed only minutes into the build): the file appears when the install has ended, and the
 * test waits for it first, up to {@link #INSTALL_WAIT}.
 */
final class Chromium implements BeforeEachCallback {

    private static final List<String> FLAGS = List.of("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
            "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync",
            "--disable-dev-shm-usage", "--window-size=760,620");
    private static final Duration INSTALL_WAIT = Duration.ofMinutes(5);

    @Override
    public void beforeEach(ExtensionContext context) {
        Optional<String> missing = missing();
        missing.ifPresent(reason -> System.err.println("SKIPPED " + context.getDisplayName() + ": " + reason));
        Assumptions.assumeTrue(missing.isEmpty(), () -> missing.orElse(""));
    }

    static Optional<String> missing() {
        Optional<String> installing = awaitInstall();
        if (installing.isPresent()) {
            return installing;
        }
        if (!executable(browser())) {
            return Optional.of("no Chromium at " + browser() + " (apt-get install chromium chromium-driver, or set CHROME_BIN):"
                    + " the widget browser tests did not run");
        }
        if (!executable(driver())) {
            return Optional.of("no chromedriver at " + driver() + " (apt-get install chromium-driver, or set CHROMEDRIVER):"
                    + " the widget browser tests did not run");
        }
        return Optional.empty();
    }

    /** Waits for an install beside this run to end, if one was started; the reason to skip if it did not end in time. */
    private static Optional<String> awaitInstall() {
        String done = System.getenv("CHROMIUM_INSTALL_DONE");
        if (done == null || done.isBlank() || Files.exists(Path.of(done))) {
            return Optional.empty();
        }
        System.err.println("waiting for the Chromium install beside this run to end (" + done + ")");
        try {
            await().atMost(INSTALL_WAIT).pollInterval(Duration.ofSeconds(1)).until(() -> Files.exists(Path.of(done)));
            return Optional.empty();
        } catch (ConditionTimeoutException e) {
            return Optional.of("the Chromium install beside this run did not end within " + INSTALL_WAIT.toMinutes()
                    + " minutes (no " + done + "): the widget browser tests did not run");
        }
    }

    /** A new headless browser with a fresh profile in {@code userDataDir}. */
    static ChromeDriver start(Path userDataDir) {
        ChromeDriverService service = new ChromeDriverService.Builder()
                .usingDriverExecutable(new File(driver()))
                .usingAnyFreePort()
                .build();
        ChromeOptions options = new ChromeOptions();
        options.setBinary(browser());
        options.addArguments(FLAGS);
        options.addArguments("--user-data-dir=" + userDataDir.toAbsolutePath());
        // The network events (preflights included) are kept for the tests to read.
        LoggingPreferences logs = new LoggingPreferences();
        logs.enable(LogType.PERFORMANCE, Level.ALL);
        options.setCapability("goog:loggingPrefs", logs);
        return new ChromeDriver(service, options);
    }

    private static String browser() {
        return Optional.ofNullable(System.getenv("CHROME_BIN")).filter(s -> !s.isBlank()).orElse("/usr/bin/chromium");
    }

    private static String driver() {
        return Optional.ofNullable(System.getenv("CHROMEDRIVER")).filter(s -> !s.isBlank()).orElse("/usr/bin/chromedriver");
    }

    private static boolean executable(String path) {
        return Files.isExecutable(Path.of(path));
    }
}
