package ai.ojin.session.standalone;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Properties;
import kafka.server.KafkaConfig;
import kafka.server.KafkaRaftServer;
import kafka.tools.StorageTool;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.utils.Time;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A real single-node KRaft broker (broker and controller in one process) whose log lives under a
 * directory that is kept between runs, so the log can be replayed. Formats the directory on first
 * use only: a new cluster id would not match an existing directory.
 */
public final class LocalKafkaBroker implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(LocalKafkaBroker.class);

    private final KafkaRaftServer server;
    private final String bootstrapServers;

    private LocalKafkaBroker(KafkaRaftServer server, String bootstrapServers) {
        this.server = server;
        this.bootstrapServers = bootstrapServers;
    }

    public static LocalKafkaBroker start(Path logDir, int port) {
        return start(logDir, port, Map.of());
    }

    /** As {@link #start(Path, int)}, with broker settings that replace the defaults below. */
    public static LocalKafkaBroker start(Path logDir, int port, Map<String, String> overrides) {
        requireFree(port);
        int controllerPort = freePort();
        Properties props = new Properties();
        props.put("process.roles", "broker,controller");
        props.put("node.id", "1");
        props.put("controller.quorum.voters", "1@127.0.0.1:" + controllerPort);
        props.put("listeners", "PLAINTEXT://127.0.0.1:" + port + ",CONTROLLER://127.0.0.1:" + controllerPort);
        props.put("advertised.listeners", "PLAINTEXT://127.0.0.1:" + port);
        props.put("listener.security.protocol.map", "PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT");
        props.put("controller.listener.names", "CONTROLLER");
        props.put("inter.broker.listener.name", "PLAINTEXT");
        props.put("log.dirs", logDir.toAbsolutePath().toString());
        props.put("offsets.topic.replication.factor", "1");
        props.put("offsets.topic.num.partitions", "3");
        props.put("transaction.state.log.replication.factor", "1");
        props.put("transaction.state.log.min.isr", "1");
        props.put("transaction.state.log.num.partitions", "3");
        props.put("num.partitions", "3");
        props.put("auto.create.topics.enable", "false");
        props.put("group.initial.rebalance.delay.ms", "0");
        // Kafka 4.1 holds each offset commit for 5 ms by default: measured as a latency trap.
        props.put("group.coordinator.append.linger.ms", "0");
        // A transaction's first write to a partition waits until the previous transaction's markers
        // are written; the broker rechecks every 20 ms by default, which set the processor's commit
        // cost here (TxnCostBench: 30 ms per commit at 20 ms, 14 ms at 1 ms).
        props.put("add.partitions.to.txn.retry.backoff.ms", "1");
        // ...and it keeps rechecking for up to this long before it answers the producer
        // CONCURRENT_TRANSACTIONS (100 ms by default). Under load the markers can take longer; the
        // producer then retries with its own back-off (100 ms doubling to 1 s), its pipelined
        // batches fail out of sequence and are retried too, and the processor's commits slowed
        // until it fell behind for good at 1,000 rejections/s (BENCHMARKS.md, "Broker threads sized
        // to the machine": 2 stalls in 2 runs with 100 ms, none in 2 runs with 1 s).
        props.put("add.partitions.to.txn.retry.backoff.max.ms", "1000");
        // Threads sized to the machine the whole stack shares, not to a broker server of its own:
        // Kafka's 3 network and 8 request-handler threads pass every request between more threads
        // than there are cores. On 2 cores, 1 and 2 answered the same load with 15 % less broker CPU
        // (BENCHMARKS.md, "Broker threads sized to the machine").
        int cores = Runtime.getRuntime().availableProcessors();
        props.put("num.network.threads", String.valueOf(Math.min(3, Math.max(1, cores / 4))));
        props.put("num.io.threads", String.valueOf(Math.min(8, Math.max(2, cores))));
        props.putAll(overrides);
        format(logDir, props);
        KafkaRaftServer server = new KafkaRaftServer(KafkaConfig.fromProps(props, false), Time.SYSTEM);
        try {
            server.startup();
        } catch (RuntimeException e) {
            server.shutdown();
            throw e;
        }
        String bootstrap = "127.0.0.1:" + port;
        log.info("Kafka broker (KRaft) listening on {}, log under {}", bootstrap, logDir.toAbsolutePath());
        return new LocalKafkaBroker(server, bootstrap);
    }

    public String bootstrapServers() {
        return bootstrapServers;
    }

    @Override
    public void close() {
        server.shutdown();
        server.awaitShutdown();
        log.info("Kafka broker stopped");
    }

    private static void format(Path logDir, Properties props) {
        if (Files.exists(logDir.resolve("meta.properties"))) {
            return;
        }
        try {
            Files.createDirectories(logDir);
            Path config = Files.createTempFile("kraft", ".properties");
            try (var out = Files.newOutputStream(config)) {
                props.store(out, "standalone broker");
            }
            ByteArrayOutputStream output = new ByteArrayOutputStream();
            StorageTool.execute(new String[] {"format", "--config", config.toString(),
                    "--cluster-id", Uuid.randomUuid().toString()}, new PrintStream(output, true, StandardCharsets.UTF_8));
            Files.deleteIfExists(config);
            log.info("Formatted new Kafka log directory: {}", output.toString(StandardCharsets.UTF_8).trim());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot format " + logDir, e);
        }
    }

    /** Kafka halts the whole JVM on a port clash, so check first and fail with a clear message. */
    private static void requireFree(int port) {
        try (ServerSocket socket = new ServerSocket(port)) {
            socket.setReuseAddress(true);
        } catch (IOException e) {
            throw new IllegalStateException("port " + port + " is in use: set KAFKA_PORT to a free port", e);
        }
    }

    private static int freePort() {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
