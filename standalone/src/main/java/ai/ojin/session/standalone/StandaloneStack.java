package ai.ojin.session.standalone;

import ai.ojin.session.connect.ConnectApiApplication;
import ai.ojin.session.events.agent.Agent;
import ai.ojin.session.events.agent.AgentStatus;
import ai.ojin.session.events.topic.SessionTopics;
import ai.ojin.session.events.topic.TopicLayout;
import ai.ojin.session.history.CallHistorySinkApplication;
import ai.ojin.session.processor.SessionProcessorApplication;
import ai.ojin.session.room.RoomWorkerApplication;
import ai.ojin.session.standalone.widget.WidgetPreset;
import ai.ojin.session.standalone.widget.WidgetServer;
import java.net.InetAddress;
import java.time.Duration;
import java.time.Instant;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.UUID;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import java.util.concurrent.ExecutionException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.errors.TopicExistsException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.context.event.ApplicationEnvironmentPreparedEvent;
import org.springframework.context.ApplicationListener;
import org.springframework.core.Ordered;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.boot.health.contributor.Status;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.core.env.MapPropertySource;

/**
 * The whole system in one JVM: a broker (unless an external one is given), the topics, a demo
 * agent on first start, the four services (the processor, room-worker and call-history-sink side by
 * side, then connect-api) and stopped in reverse (services first, broker last) so no consumer
 * lingers in its group, and the example widget page for the demo agent on an origin of its own
 * (loopback only).
 */
public final class StandaloneStack implements AutoCloseable {

    public static final String DEMO_AGENT = "demo-agent";

    private static final Logger log = LoggerFactory.getLogger(StandaloneStack.class);

    /** JDBC belongs to call-history-sink only; the other services share its classpath here. */
    static final String NO_JDBC = String.join(",",
            "org.springframework.boot.jdbc.autoconfigure.DataSourceAutoConfiguration",
            "org.springframework.boot.jdbc.autoconfigure.DataSourceTransactionManagerAutoConfiguration",
            "org.springframework.boot.flyway.autoconfigure.FlywayAutoConfiguration");

    private static final Duration HEALTHY_TIMEOUT = Duration.ofSeconds(120);

    private final LocalKafkaBroker broker;
    private final String bootstrapServers;
    private final List<ConfigurableApplicationContext> services;
    private final WidgetServer widget;

    private StandaloneStack(LocalKafkaBroker broker, String bootstrapServers, List<ConfigurableApplicationContext> services,
            WidgetServer widget) {
        this.broker = broker;
        this.bootstrapServers = bootstrapServers;
        this.services = services;
        this.widget = widget;
    }

    /**
     * @param overrides properties applied to every service above everything else (tests use it
     *     for a topic prefix, group ids and random ports)
     */
    public static StandaloneStack start(StandaloneSettings settings, Map<String, String> overrides) {
        LocalKafkaBroker broker = settings.externalBootstrap() == null
                ? LocalKafkaBroker.start(settings.dataDir().resolve("kafka"), settings.kafkaPort())
                : null;
        String bootstrap = broker == null ? settings.externalBootstrap() : broker.bootstrapServers();
        List<ConfigurableApplicationContext> started = new ArrayList<>();
        try {
            SessionTopics topics = SessionTopics.withPrefix(overrides.getOrDefault("session.topics.prefix", ""));
            if (createTopics(bootstrap, topics)) {
                seedDemoAgent(bootstrap, topics);
            }
            Map<String, String> common = new HashMap<>(settings.serviceVariables());
            // Static group membership: the same data directory is the same instance, so a restart
            // after a crash gets its partitions back at once.
            common.computeIfAbsent("INSTANCE_ID", key -> instanceId(settings.dataDir()));
            common.put("KAFKA_BOOTSTRAP_SERVERS", bootstrap);
            common.put("spring.main.banner-mode", "off");
            // The stack owns the stop order; per-context hooks would close everything at once.
            common.put("spring.main.register-shutdown-hook", "false");
            common.put("logging.register-shutdown-hook", "false");
            // One JVM, one log: the first service's name would otherwise tag every line.
            common.put("logging.include-application-name", "false");
            common.put("logging.level.org.apache.kafka", "WARN");
            common.put("logging.level.kafka", "WARN");
            // Listen on BIND_ADDRESS only (127.0.0.1 unless set).
            common.put("server.address", settings.bindAddress());

            // The processor, room-worker and call-history-sink need nothing from each other to start:
            // they start side by side, the processor first until Spring has set up the one logging
            // system of the JVM (two first starts at once would configure it twice). connect-api
            // starts once they are healthy, so that its readiness means a ready pipeline.
            ServiceStarts starts = new ServiceStarts(started, StandaloneStack::run);
            starts.startFirst("session-processor", SessionProcessorApplication.builder(), properties(common, overrides, Map.of(
                    "spring.main.web-application-type", "none",
                    "spring.autoconfigure.exclude", NO_JDBC,
                    "processor.state-dir", settings.dataDir().resolve("streams").toString())));
            starts.start("room-worker", RoomWorkerApplication.builder(), properties(common, overrides, Map.of(
                    "server.port", String.valueOf(settings.roomWorkerPort()),
                    "spring.autoconfigure.exclude", NO_JDBC,
                    "room.allow-simulation", "true")));
            starts.start("call-history-sink", CallHistorySinkApplication.builder(), properties(common, overrides, Map.of(
                    "server.port", String.valueOf(settings.callHistoryPort()))));
            starts.awaitAll();
            starts.start("connect-api", ConnectApiApplication.builder(), properties(common, overrides, Map.of(
                    "server.port", String.valueOf(settings.connectApiPort()),
                    "spring.autoconfigure.exclude", NO_JDBC)));
            starts.awaitAll();
            WidgetServer widget = settings.widgetPort() == StandaloneSettings.WIDGET_OFF ? null
                    : WidgetServer.start(InetAddress.getLoopbackAddress(), settings.widgetPort(), new WidgetPreset(
                            "http://localhost:" + portOf(started.get(3)), DEMO_AGENT, settings.widgetDailyJsUrl()));
            return new StandaloneStack(broker, bootstrap, Collections.unmodifiableList(started), widget);
        } catch (RuntimeException e) {
            closeAll(null, started, broker);
            throw e;
        }
    }

    /**
     * This data directory's instance id ({@code instance-id} in it, made on first start), unless
     * INSTANCE_ID is set.
     */
    static String instanceId(Path dataDir) {
        Path file = dataDir.resolve("instance-id");
        try {
            if (Files.exists(file)) {
                String id = Files.readString(file).trim();
                if (!id.isEmpty()) {
                    return id;
                }
            }
            Files.createDirectories(dataDir);
            String id = "standalone-" + UUID.randomUUID().toString().substring(0, 8);
            Files.writeString(file, id + System.lineSeparator());
            return id;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read or write " + file, e);
        }
    }

    public String bootstrapServers() {
        return bootstrapServers;
    }

    public int connectApiPort() {
        return portOf(services.get(3));
    }

    public int roomWorkerPort() {
        return portOf(services.get(1));
    }

    public int callHistoryPort() {
        return portOf(services.get(2));
    }

    /** The port of the widget page for {@value #DEMO_AGENT} (served on loopback), if it is served. */
    public OptionalInt widgetPort() {
        return widget == null ? OptionalInt.empty() : OptionalInt.of(widget.port());
    }

    /** The running services, in start order: processor, room-worker, call-history-sink, connect-api. */
    public List<ConfigurableApplicationContext> services() {
        return services;
    }

    @Override
    public void close() {
        closeAll(widget, services, broker);
    }

    private static Map<String, Object> properties(Map<String, String> common, Map<String, String> overrides,
            Map<String, String> own) {
        Map<String, Object> properties = new HashMap<>(common);
        properties.putAll(own);
        properties.putAll(overrides);
        return properties;
    }

    /**
     * Runs a service with the stack's properties above everything else (its own config files must
     * not override the wiring) and waits until it is healthy; closes it when it is not.
     */
    static ConfigurableApplicationContext run(SpringApplicationBuilder builder, Map<String, Object> properties,
            ApplicationListener<?>... listeners) {
        ConfigurableApplicationContext context = builder.listeners(new Wiring(properties)).listeners(listeners).run();
        try {
            awaitHealthy(context);
        } catch (RuntimeException e) {
            context.close();
            throw e;
        }
        return context;
    }

    /**
     * Waits until every health indicator of a service is UP (Streams running, catalog caught up,
     * listeners assigned), so that the next service, and finally connect-api's readiness, starts on
     * a ready pipeline.
     */
    private static void awaitHealthy(ConfigurableApplicationContext context) {
        String name = context.getEnvironment().getProperty("spring.application.name", context.getId());
        long deadline = System.nanoTime() + HEALTHY_TIMEOUT.toNanos();
        while (true) {
            List<String> down = context.getBeansOfType(HealthIndicator.class).entrySet().stream()
                    .filter(e -> !Status.UP.equals(e.getValue().health().getStatus()))
                    .map(Map.Entry::getKey)
                    .toList();
            if (down.isEmpty()) {
                log.info("{} is up", name);
                return;
            }
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException(name + " not healthy after " + HEALTHY_TIMEOUT + ": " + down);
            }
            try {
                Thread.sleep(50);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while waiting for " + name, e);
            }
        }
    }

    /**
     * Puts the stack's properties above every other source as soon as the environment exists,
     * before logging and {@code spring.main.*} are configured from it.
     */
    private record Wiring(Map<String, Object> properties)
            implements ApplicationListener<ApplicationEnvironmentPreparedEvent>, Ordered {

        @Override
        public void onApplicationEvent(ApplicationEnvironmentPreparedEvent event) {
            event.getEnvironment().getPropertySources().addFirst(new MapPropertySource("standalone", properties));
        }

        @Override
        public int getOrder() {
            return Ordered.HIGHEST_PRECEDENCE;
        }
    }

    private static int portOf(ConfigurableApplicationContext context) {
        return Integer.parseInt(context.getEnvironment().getRequiredProperty("local.server.port"));
    }

    /** @return true when the topics were created now (a new log), false when they existed. */
    private static boolean createTopics(String bootstrap, SessionTopics topics) {
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap))) {
            boolean created = false;
            var result = admin.createTopics(topics.newTopics(TopicLayout.LOCAL));
            for (NewTopic topic : topics.newTopics(TopicLayout.LOCAL)) {
                try {
                    result.values().get(topic.name()).get();
                    created |= topic.name().equals(topics.agents().name());
                } catch (ExecutionException e) {
                    if (!(e.getCause() instanceof TopicExistsException)) {
                        throw new IllegalStateException("cannot create topic " + topic.name(), e.getCause());
                    }
                }
            }
            return created;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private static void seedDemoAgent(String bootstrap, SessionTopics topics) {
        Agent demo = new Agent(DEMO_AGENT, AgentStatus.PUBLISHED, List.of("localhost", "127.0.0.1"), 2, 600, Instant.now());
        Map<String, Object> config = Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap, ProducerConfig.ACKS_CONFIG, "all");
        try (var producer = new KafkaProducer<>(config, topics.agents().keySerde().serializer(),
                topics.agents().valueSerde().serializer())) {
            producer.send(topics.agents().record(DEMO_AGENT, demo)).get();
            log.info("Seeded agent '{}': published, allowed hostnames localhost and 127.0.0.1, max_concurrency 2", DEMO_AGENT);
        } catch (ExecutionException e) {
            throw new IllegalStateException("cannot seed the demo agent", e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private static void closeAll(WidgetServer widget, List<ConfigurableApplicationContext> services, LocalKafkaBroker broker) {
        if (widget != null) {
            widget.close();
        }
        for (int i = services.size() - 1; i >= 0; i--) {
            try {
                services.get(i).close();
            } catch (RuntimeException e) {
                log.error("Failed to stop a service cleanly", e);
            }
        }
        if (broker != null) {
            broker.close();
        }
    }
}
