package ai.ojin.session.bench;

import ai.ojin.session.events.agent.Agent;
import ai.ojin.session.events.agent.AgentStatus;
import ai.ojin.session.events.command.EndReason;
import ai.ojin.session.events.command.ReleaseSession;
import ai.ojin.session.events.command.RequestSession;
import ai.ojin.session.events.command.SessionCommand;
import ai.ojin.session.events.SessionIds;
import ai.ojin.session.events.topic.SessionTopics;
import ai.ojin.session.processor.topology.LeaseSettings;
import ai.ojin.session.processor.topology.SessionTopology;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.Properties;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TopologyTestDriver;

/**
 * The processor's cost per command as a function of the agent's active count: the real topology
 * and RocksDB stores under TopologyTestDriver (no broker, so this is the processing cost alone).
 * For each active count N it holds N sessions of one agent open, then times request + release
 * pairs (the count stays N).
 *
 * <pre>java -cp bench/target/bench.jar:... ai.ojin.session.bench.ProcessorCostBench [pairs]</pre>
 */
public final class ProcessorCostBench {

    private ProcessorCostBench() {
    }

    public static void main(String[] args) throws Exception {
        int pairs = args.length > 0 ? Integer.parseInt(args[0]) : 20_000;
        System.out.println("active sessions | ns per command (request or release), median of 5 rounds of " + pairs + " pairs");
        // 10 again at the end: the first round also pays for JIT warm-up.
        for (int active : List.of(10, 10_000, 10)) {
            System.out.printf(Locale.ROOT, "%15d | %,.0f%n", active, nanosPerCommand(active, pairs));
        }
    }

    static double nanosPerCommand(int active, int pairs) throws Exception {
        SessionTopics topics = SessionTopics.DEFAULT;
        StreamsBuilder builder = new StreamsBuilder();
        SessionTopology.build(builder, topics, LeaseSettings.DEFAULTS);
        Path stateDir = Files.createTempDirectory("processor-cost");
        Properties props = new Properties();
        props.put(StreamsConfig.APPLICATION_ID_CONFIG, "processor-cost");
        props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "unused:9092");
        props.put(StreamsConfig.STATE_DIR_CONFIG, stateDir.toString());
        Instant now = Instant.parse("2026-01-01T00:00:00Z");
        try (TopologyTestDriver driver = new TopologyTestDriver(builder.build(), props, now)) {
            var agents = driver.createInputTopic(topics.agents().name(), new StringSerializer(), topics.agents().valueSerde().serializer());
            TestInputTopic<String, SessionCommand> commands = driver.createInputTopic(topics.commands().name(),
                    new StringSerializer(), topics.commands().valueSerde().serializer());
            String agentId = "cost-agent";
            agents.pipeInput(agentId, new Agent(agentId, AgentStatus.PUBLISHED, List.of("*"), 1_000_000, 3600, now));
            Instant deadline = now.plus(Duration.ofDays(1));
            for (int i = 0; i < active; i++) {
                commands.pipeInput(agentId, new RequestSession(SessionIds.newSessionId(agentId), agentId, null, null, 0, now, deadline));
            }
            double[] rounds = new double[5];
            for (int round = 0; round < rounds.length; round++) {
                long start = System.nanoTime();
                for (int i = 0; i < pairs; i++) {
                    String sessionId = SessionIds.newSessionId(agentId);
                    commands.pipeInput(agentId, new RequestSession(sessionId, agentId, null, null, 0, now, deadline));
                    commands.pipeInput(agentId, new ReleaseSession(sessionId, agentId, EndReason.END_CALL, now));
                }
                rounds[round] = (System.nanoTime() - start) / (2.0 * pairs);
            }
            java.util.Arrays.sort(rounds);
            return rounds[rounds.length / 2];
        }
    }
}
