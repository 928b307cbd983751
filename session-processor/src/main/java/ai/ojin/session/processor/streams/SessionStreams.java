package ai.ojin.session.processor.streams;

import ai.ojin.session.support.schedule.Phases;
import java.time.Clock;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Properties;
import ai.ojin.session.processor.topology.SessionTopology;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.StoreQueryParameters;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.QueryableStoreTypes;
import org.apache.kafka.streams.state.ReadOnlyKeyValueStore;
import org.apache.kafka.streams.Topology;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.SmartLifecycle;
import org.springframework.kafka.streams.KafkaStreamsMicrometerListener;

/**
 * Runs the processor's {@link KafkaStreams} with the application context: started after the
 * topics are declared, closed first on shutdown. A stream thread that dies is replaced; one that
 * keeps dying shuts the client down (the health turns DOWN), see {@link StreamThreadFailures}.
 */
public class SessionStreams implements SmartLifecycle {

    private static final Logger log = LoggerFactory.getLogger(SessionStreams.class);
    private static final Duration CLOSE_TIMEOUT = Duration.ofSeconds(30);

    private final Topology topology;
    private final Properties properties;
    private final KafkaStreamsMicrometerListener metrics;
    private final StreamThreadFailures failures;
    private volatile KafkaStreams streams;
    private volatile boolean everRunning;

    public SessionStreams(Topology topology, Properties properties, KafkaStreamsMicrometerListener metrics) {
        this(topology, properties, metrics, new StreamThreadFailures(5, Duration.ofMinutes(1), Clock.systemUTC()));
    }

    public SessionStreams(Topology topology, Properties properties, KafkaStreamsMicrometerListener metrics,
            StreamThreadFailures failures) {
        this.topology = topology;
        this.properties = properties;
        this.metrics = metrics;
        this.failures = failures;
    }

    @Override
    public synchronized void start() {
        if (streams != null) {
            return;
        }
        KafkaStreams created = new KafkaStreams(topology, properties);
        created.setStateListener((newState, oldState) -> {
            log.info("Kafka Streams {} -> {}", oldState, newState);
            if (newState == KafkaStreams.State.RUNNING) {
                everRunning = true;
            }
        });
        created.setUncaughtExceptionHandler(failures);
        if (metrics != null) {
            metrics.streamsAdded(properties.getProperty("application.id"), created);
        }
        streams = created;
        created.start();
    }

    @Override
    public synchronized void stop() {
        KafkaStreams running = streams;
        if (running == null) {
            return;
        }
        streams = null;
        if (metrics != null) {
            metrics.streamsRemoved(properties.getProperty("application.id"), running);
        }
        // Leave the group on an orderly stop, so another instance takes the partitions over at
        // once instead of after the session timeout. In Streams 4.1 leaveGroup(true) only acts for
        // static members; dynamic members leave because StreamsProperties sets the consumer's
        // internal.leave.group.on.close (a restart measured ~9 s without it, ~1.4 s with it).
        if (!running.close(new KafkaStreams.CloseOptions().timeout(CLOSE_TIMEOUT).leaveGroup(true))) {
            log.warn("Kafka Streams did not close within {}", CLOSE_TIMEOUT);
        }
    }

    @Override
    public boolean isRunning() {
        return streams != null;
    }

    /** Start late and stop early, so the Streams client never outlives what it uses. */
    @Override
    public int getPhase() {
        return Phases.CONSUMERS;
    }

    /** The client's state, or {@code NOT_RUNNING} when it is stopped. */
    public KafkaStreams.State state() {
        KafkaStreams current = streams;
        return current == null ? KafkaStreams.State.NOT_RUNNING : current.state();
    }

    /** True once the client has reached RUNNING at least once. */
    public boolean everRunning() {
        return everRunning;
    }

    /** Active tasks (one per input partition) owned by this instance now; 0 when stopped. */
    public int activeTasks() {
        KafkaStreams current = streams;
        if (current == null || !current.state().isRunningOrRebalancing()) {
            return 0;
        }
        return current.metadataForLocalThreads().stream().mapToInt(thread -> thread.activeTasks().size()).sum();
    }

    /**
     * Active sessions per agent in the state of this instance's active tasks (empty unless
     * RUNNING, e.g. during a rebalance).
     */
    public Map<String, Integer> activeCounts() {
        KafkaStreams current = streams;
        Map<String, Integer> counts = new HashMap<>();
        if (current == null || current.state() != KafkaStreams.State.RUNNING) {
            return counts;
        }
        try {
            ReadOnlyKeyValueStore<String, Integer> store = current.store(StoreQueryParameters.fromNameAndType(
                    SessionTopology.ACTIVE_STORE, QueryableStoreTypes.<String, Integer>keyValueStore()));
            try (KeyValueIterator<String, Integer> it = store.all()) {
                while (it.hasNext()) {
                    KeyValue<String, Integer> entry = it.next();
                    counts.merge(entry.key, entry.value, Integer::sum);
                }
            }
        } catch (org.apache.kafka.streams.errors.InvalidStateStoreException e) {
            log.debug("Active counts not readable now ({}); next refresh", e.toString());
        }
        return counts;
    }
}
