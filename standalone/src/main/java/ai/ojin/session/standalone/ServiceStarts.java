package ai.ojin.session.standalone;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.context.event.ApplicationContextInitializedEvent;
import org.springframework.context.ApplicationListener;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * Starts services side by side, each on a thread of its own, and hands them over in the order
 * they were asked for. When one fails, the others are still awaited and handed over (so that the
 * stack closes them) before the failure is thrown.
 */
final class ServiceStarts {

    /** Runs one service to the point where it counts as started (the stack's: healthy). */
    @FunctionalInterface
    interface Run {
        ConfigurableApplicationContext run(SpringApplicationBuilder builder, Map<String, Object> properties,
                                           ApplicationListener<?>... listeners);
    }

    private final List<ConfigurableApplicationContext> started;
    private final Run run;
    private final List<CompletableFuture<ConfigurableApplicationContext>> pending = new ArrayList<>();

    /**
     * @param started where the started services go, in the order asked for
     * @param run how one service is started, on the thread of its own
     */
    ServiceStarts(List<ConfigurableApplicationContext> started, Run run) {
        this.started = started;
        this.run = run;
    }

    /**
     * Starts a service and returns once its context is initialized: by then Spring has set up the
     * JVM's one logging system, which starts that begin at the same time would both set up.
     */
    void startFirst(String name, SpringApplicationBuilder builder, Map<String, Object> properties) {
        CompletableFuture<Void> initialized = new CompletableFuture<>();
        CompletableFuture<ConfigurableApplicationContext> start = start(name, builder, properties, new Initialized(initialized));
        // (a failed start is thrown by awaitAll)
        CompletableFuture.anyOf(initialized, start).exceptionally(e -> null).join();
    }

    void start(String name, SpringApplicationBuilder builder, Map<String, Object> properties) {
        start(name, builder, properties, new ApplicationListener<?>[0]);
    }

    /**
     * Waits for every service started so far and adds them to the list.
     *
     * @throws RuntimeException the first failure, once every start has ended
     */
    void awaitAll() {
        RuntimeException failure = null;
        for (CompletableFuture<ConfigurableApplicationContext> start : pending) {
            try {
                started.add(start.join());
            } catch (CompletionException e) {
                RuntimeException cause = e.getCause() instanceof RuntimeException r ? r : e;
                if (failure == null) {
                    failure = cause;
                } else {
                    failure.addSuppressed(cause);
                }
            }
        }
        pending.clear();
        if (failure != null) {
            throw failure;
        }
    }

    private CompletableFuture<ConfigurableApplicationContext> start(String name, SpringApplicationBuilder builder, Map<String, Object> properties,
            ApplicationListener<?>... listeners) {
        CompletableFuture<ConfigurableApplicationContext> start = new CompletableFuture<>();
        Thread thread = new Thread(() -> {
            try {
                start.complete(run.run(builder, properties, listeners));
            } catch (Throwable e) {
                start.completeExceptionally(e);
            }
        }, "start-" + name);
        thread.start();
        pending.add(start);
        return start;
    }

    /** Completes once the context is initialized (logging is set up before that). */
    private record Initialized(CompletableFuture<Void> initialized)
            implements ApplicationListener<ApplicationContextInitializedEvent> {

        @Override
        public void onApplicationEvent(ApplicationContextInitializedEvent event) {
            initialized.complete(null);
        }
    }
}
