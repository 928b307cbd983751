package ai.ojin.session.audit.replay;

import ai.ojin.session.events.agent.Agent;
import ai.ojin.session.events.command.SessionCommand;
import ai.ojin.session.events.fact.SessionEvent;
import ai.ojin.session.events.topic.SessionTopics;
import ai.ojin.session.processor.topology.LeaseSettings;
import ai.ojin.session.processor.topology.SessionTopology;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import java.util.Properties;
import java.util.stream.Stream;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.test.TestRecord;

/**
 * The processor's own topology ({@link SessionTopology#build}) under {@link TopologyTestDriver}: no
 * broker, a wall clock that only moves when told to. The processor judges a request by the wall
 * clock ({@code currentSystemTimeMs}) and other commands by their record timestamp, never later
 * than the wall clock, so the clock is moved to the recorded moment of each command before it is
 * fed; every clock move runs the lease punctuator once.
 */
final class OfflineProcessor implements AutoCloseable {

    private final Path stateDir;
    private final TopologyTestDriver driver;
    private final TestInputTopic<String, Agent> agents;
    private final TestInputTopic<String, SessionCommand> commands;
    private final TestOutputTopic<String, SessionEvent> facts;
    private Instant clock;

    OfflineProcessor(LeaseSettings settings, Instant start) {
        SessionTopics topics = SessionTopics.withPrefix("replay.");
        StreamsBuilder builder = new StreamsBuilder();
        SessionTopology.build(builder, topics, settings);
        try {
            stateDir = Files.createTempDirectory("session-audit-replay");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        Properties props = new Properties();
        props.put(StreamsConfig.APPLICATION_ID_CONFIG, "session-audit-replay");
        props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "offline:9092");
        props.put(StreamsConfig.STATE_DIR_CONFIG, stateDir.toString());
        driver = new TopologyTestDriver(builder.build(), props, start);
        clock = start;
        agents = driver.createInputTopic(topics.agents().name(), new StringSerializer(),
                topics.agents().valueSerde().serializer());
        commands = driver.createInputTopic(topics.commands().name(), new StringSerializer(),
                topics.commands().valueSerde().serializer());
        facts = driver.createOutputTopic(topics.events().name(), new StringDeserializer(),
                topics.events().valueSerde().deserializer());
    }

    /** Moves the wall clock forward to {@code time} (never back), running the punctuator; returns its facts. */
    List<SessionEvent> advanceTo(Instant time) {
        if (time.isAfter(clock)) {
            driver.advanceWallClockTime(Duration.between(clock, time));
            clock = time;
        }
        return drain();
    }

    List<SessionEvent> agent(String key, Agent agent, Instant timestamp) {
        agents.pipeInput(key, agent, timestamp);
        return drain();
    }

    List<SessionEvent> command(String key, SessionCommand command, Instant timestamp) {
        commands.pipeInput(key, command, timestamp);
        return drain();
    }

    Instant clock() {
        return clock;
    }

    private List<SessionEvent> drain() {
        return facts.readRecordsToList().stream().map(TestRecord::value).toList();
    }

    @Override
    public void close() {
        driver.close();
        try (Stream<Path> files = Files.walk(stateDir)) {
            files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            // a temporary directory left behind is harmless
        }
    }
}
