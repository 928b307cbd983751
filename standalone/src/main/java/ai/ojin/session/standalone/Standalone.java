package ai.ojin.session.standalone;

import java.util.Map;
import java.util.concurrent.CountDownLatch;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** {@code java -jar standalone/target/standalone.jar}: the whole system on one machine. */
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
            stack = StandaloneStack.start(settings, Map.of());
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
}
