package ai.ojin.session.audit.log;

import ai.ojin.session.events.topic.SessionTopics;
import java.io.IOException;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Properties;
import picocli.CommandLine.Option;
import picocli.CommandLine.ScopeType;

/**
 * Where the log is. Declared once on the top command and inherited by every subcommand, so each
 * option may be given before or after the subcommand; given in both places, the later one (after
 * the subcommand) wins.
 */
public final class ClusterOptions {

    @Option(names = "--bootstrap-servers", scope = ScopeType.INHERIT, defaultValue = "localhost:9092",
            description = "Kafka brokers (default: ${DEFAULT-VALUE}, the standalone's broker)")
    String bootstrapServers;

    @Option(names = "--topic-prefix", scope = ScopeType.INHERIT, defaultValue = "",
            description = "prefix of the topic names (empty in production)")
    String topicPrefix;

    @Option(names = "--timeout", scope = ScopeType.INHERIT, defaultValue = "30s", converter = DurationConverter.class,
            description = "how long to wait for the cluster before giving up with exit code 2 (default: ${DEFAULT-VALUE})")
    Duration timeout;

    @Option(names = "--consumer-config", scope = ScopeType.INHERIT, paramLabel = "FILE",
            description = "extra Kafka consumer properties (security settings of a real cluster)")
    Path consumerConfig;

    public ClusterOptions() {
    }

    /** For callers outside picocli (tests of the classes behind the commands). */
    public ClusterOptions(String bootstrapServers, String topicPrefix, Duration timeout) {
        this.bootstrapServers = bootstrapServers;
        this.topicPrefix = topicPrefix;
        this.timeout = timeout;
    }

    public SessionTopics topics() {
        return SessionTopics.withPrefix(topicPrefix);
    }

    public Duration timeout() {
        return timeout;
    }

    public String bootstrapServers() {
        return bootstrapServers;
    }

    public String topicPrefix() {
        return topicPrefix;
    }

    public Path consumerConfig() {
        return consumerConfig;
    }

    Map<String, Object> extraConsumerProperties() {
        Map<String, Object> extra = new HashMap<>();
        if (consumerConfig != null) {
            Properties props = new Properties();
            try (Reader reader = Files.newBufferedReader(consumerConfig)) {
                props.load(reader);
            } catch (IOException e) {
                throw new CannotReadException("cannot read " + consumerConfig + ": " + e.getMessage(), e);
            }
            props.forEach((k, v) -> extra.put(k.toString(), v));
        }
        return extra;
    }

    /** picocli converter for {@link Durations}. */
    public static final class DurationConverter implements picocli.CommandLine.ITypeConverter<Duration> {
        @Override
        public Duration convert(String value) {
            return Durations.parse(value);
        }
    }

    /** picocli converter for {@link TimeRange#parse}. */
    public static final class InstantConverter implements picocli.CommandLine.ITypeConverter<java.time.Instant> {
        @Override
        public java.time.Instant convert(String value) {
            return TimeRange.parse(value);
        }
    }
}
