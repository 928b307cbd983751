package ai.ojin.session.processor.streams;

import ai.ojin.session.processor.topology.LeaseSettings;
import jakarta.validation.Valid;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.NotNull;
import java.time.Duration;
import java.util.Map;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.validation.annotation.Validated;

/**
 * {@code processor.*}: the Streams application id, where its state lives, the lease rules and the
 * Streams tuning (defaults chosen so exactly-once does not add ~100 ms to a decision; the
 * measurements are in BENCHMARKS.md).
 *
 * @param applicationId the Kafka Streams {@code application.id}: the processor's consumer group and
 *     the prefix of its internal (changelog) topics
 * @param stateDir Kafka Streams state directory; empty = a new temporary directory per start
 *     (state is then restored from the changelogs)
 * @param lease the lease rules
 * @param streams the Kafka Streams tuning
 */
@Validated
@ConfigurationProperties("processor")
public record ProcessorProperties(
        @DefaultValue("session-processor") @NotBlank String applicationId,
        @DefaultValue("") String stateDir,
        @DefaultValue @Valid Lease lease,
        @DefaultValue @Valid Streams streams) {

    /**
     * {@code processor.lease.*}, see {@link LeaseSettings}.
     *
     * @param startLease how long an admitted session may take to start (holds its slot until it is
     *     marked started)
     * @param grace added to the agent's {@code max_session_seconds} for a joined session's lease
     * @param punctuateInterval how often (wall clock) expired leases are looked for
     * @param maxRetryAfter upper bound of {@code retry_after_seconds} (at least 1 s)
     * @param tombstoneRetention how long an ended or rejected session id is remembered, so that a
     *     duplicate request or release for it changes nothing
     * @param joinTimeout how long a started session waits for its user to join the room
     * @param rejoinTimeout how long a session waits for its user to come back after the user left
     * @param maxWaiting how many connects may wait in one agent's line ({@code Prefer: wait}); one
     *     more is rejected at once (0: no line)
     */
    public record Lease(
            @DefaultValue("30s") @NotNull Duration startLease,
            @DefaultValue("30s") @NotNull Duration grace,
            @DefaultValue("1s") @NotNull Duration punctuateInterval,
            @DefaultValue("60s") @NotNull Duration maxRetryAfter,
            @DefaultValue("10m") @NotNull Duration tombstoneRetention,
            @DefaultValue("60s") @NotNull Duration joinTimeout,
            @DefaultValue("30s") @NotNull Duration rejoinTimeout,
            @DefaultValue("100") @Min(0) int maxWaiting) {

        public LeaseSettings settings() {
            return new LeaseSettings(startLease, grace, punctuateInterval, maxRetryAfter, tombstoneRetention, joinTimeout,
                    rejoinTimeout, maxWaiting);
        }
    }

    /**
     * {@code processor.streams.*}.
     *
     * @param commitInterval {@code commit.interval.ms}; under exactly-once each commit ends a
     *     transaction (13 ms idle, 40 ms and more under load on the 2-core machine), and the facts
     *     become visible only then; 0 runs one record per transaction and falls behind; 25 ms gave
     *     the lowest latency at 200 connects/s (BENCHMARKS.md)
     * @param pollInterval {@code poll.ms}
     * @param threads {@code num.stream.threads}: stream threads of this instance
     * @param standbyReplicas {@code num.standby.replicas}: copies of each state store kept warm on
     *     other instances, so that a moved task need not restore its state from the changelog first
     * @param producerLinger the Streams producer's {@code linger.ms} (Streams' own default is 100 ms)
     * @param sessionTimeout consumer {@code session.timeout.ms}: how long a dead instance holds its partitions
     * @param transactionTimeout producer {@code transaction.timeout.ms}: how long a dead instance's open
     *     transaction blocks {@code read_committed} readers
     * @param overrides any further Kafka Streams configuration, applied last
     */
    public record Streams(
            @DefaultValue("25ms") @NotNull Duration commitInterval,
            @DefaultValue("10ms") @NotNull Duration pollInterval,
            @DefaultValue("0ms") @NotNull Duration producerLinger,
            @DefaultValue("1") @Min(1) int threads,
            @DefaultValue("0") @Min(0) int standbyReplicas,
            @DefaultValue("10s") @NotNull Duration sessionTimeout,
            @DefaultValue("10s") @NotNull Duration transactionTimeout,
            Map<String, String> overrides) {

        public Streams {
            overrides = overrides == null ? Map.of() : Map.copyOf(overrides);
        }
    }

    /** The defaults, for code that runs the topology without Spring (tests, tools). */
    public static ProcessorProperties defaults() {
        LeaseSettings l = LeaseSettings.DEFAULTS;
        return new ProcessorProperties("session-processor", "",
                new Lease(l.startLease(), l.grace(), l.punctuateInterval(), l.maxRetryAfter(), l.tombstoneRetention(),
                        l.joinTimeout(), l.rejoinTimeout(), l.maxWaiting()),
                new Streams(Duration.ofMillis(25), Duration.ofMillis(10), Duration.ZERO, 1, 0, Duration.ofSeconds(10),
                        Duration.ofSeconds(10), Map.of()));
    }

    public ProcessorProperties withApplicationId(String id, String dir) {
        return new ProcessorProperties(id, dir, lease, streams);
    }

    public ProcessorProperties withLease(Lease value) {
        return new ProcessorProperties(applicationId, stateDir, value, streams);
    }
}
