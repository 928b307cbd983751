package ai.ojin.session.standalone;

import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code java -jar standalone/target/standalone.jar}: the whole system on one machine. Arguments
 * {@code --name=value} are applied to every service above all other settings (tests use them to
 * run a second instance of every service against an existing stack's topics and groups).
 */
public final class Standalone {

    private static final Logger log = LoggerFactory.getLogger(Standalone.class);

    private Standalone() {
    }

    public static void main(String[] args) throws InterruptedException {
        StandaloneSettings settings = StandaloneSettings.fromEnvironment(System.getenv());
        log.info("Standalone run: data under {}", settings.dataDir());
        settings.defaultsApplied().forEach(value -> log.warn("Local default (not for production): {}", value));
        log.info("HTTP servers listen on {} (BIND_ADDRESS)", settings.bindAddress());
        settings.warnings().forEach(warning -> log.warn("EXPOSED: {}", warning));
        StandaloneStack stack;
        try {
            stack = StandaloneStack.start(settings, overrides(args));
        } catch (RuntimeException e) {
            log.error("Standalone start failed", e);
            System.exit(1);
            return;
        }
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            log.info("Stopping: services first, broker last");
            stack.close();
            stopped.countDown();
        }, "standalone-stop"));
        log.info("Ready: connect-api http://{}:{}  room-worker :{}  call-history-sink :{}  kafka {}",
                settings.bindAddress(), stack.connectApiPort(), stack.roomWorkerPort(), stack.callHistoryPort(),
                stack.bootstrapServers());
        stack.widgetPort().ifPresentOrElse(
                port -> log.info("Widget example for '{}': open http://localhost:{}/", StandaloneStack.DEMO_AGENT, port),
                () -> log.info("Widget example page off (WIDGET_PORT)"));
        stopped.await();
    }

    static Map<String, String> overrides(String[] args) {
        Map<String, String> overrides = new HashMap<>();
        for (String arg : args) {
            int equals = arg.indexOf('=');
            if (!arg.startsWith("--") || equals < 3) {
                throw new IllegalArgumentException("expected --name=value, got " + arg);
            }
            overrides.put(arg.substring(2, equals), arg.substring(equals + 1));
        }
        return overrides;
    }
}
