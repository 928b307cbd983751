package ai.ojin.session.processor.topology;

import static org.assertj.core.api.Assertions.assertThat;

import ai.ojin.session.events.SessionIds;
import ai.ojin.session.events.agent.Agent;
import ai.ojin.session.events.agent.AgentStatus;
import ai.ojin.session.events.command.RequestSession;
import ai.ojin.session.events.command.SessionCommand;
import ai.ojin.session.events.fact.SessionEvent;
import ai.ojin.session.events.reply.SessionReply;
import ai.ojin.session.events.topic.SessionTopics;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Properties;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.test.TestRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The W3C trace context of a command reaches every fact and reply written for it. */
class TraceHeadersTopologyTest {

    private static final Instant START = Instant.parse("2026-01-01T00:00:00Z");
    private static final String TRACEPARENT = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01";

    @TempDir
    Path state;

    private TopologyTestDriver driver;

    @AfterEach
    void close() {
        if (driver != null) {
            driver.close();
        }
    }

    @Test
    void shouldCopyTheCommandsTraceparentToItsFactsAndReplies() {
        // given: the topology without an observer, an agent at its limit of 1
        Topics topics = start(CommandObserver.NONE);
        topics.agents.pipeInput("alpha", new Agent("alpha", AgentStatus.PUBLISHED, List.of("*"), 1, 600, START));
        topics.commands.pipeInput(request("alpha", new RecordHeaders()));
        topics.facts.readRecordsToList();

        // when: a request with a traceparent while the slot is taken
        RecordHeaders traced = new RecordHeaders();
        traced.add("traceparent", TRACEPARENT.getBytes(StandardCharsets.UTF_8));
        traced.add("unrelated", "x".getBytes(StandardCharsets.UTF_8));
        topics.commands.pipeInput(request("alpha", traced));

        // then: the requested and rejected facts and the rejection reply carry it, nothing else
        List<TestRecord<String, SessionEvent>> facts = topics.facts.readRecordsToList();
        List<TestRecord<String, SessionReply>> replies = topics.replies.readRecordsToList();
        assertThat(facts).hasSize(2);
        assertThat(replies).hasSize(1);
        for (Headers headers : List.of(facts.get(0).headers(), facts.get(1).headers(), replies.get(0).headers())) {
            assertThat(CommandObserver.text(headers, "traceparent")).isEqualTo(TRACEPARENT);
            assertThat(headers.lastHeader("unrelated")).isNull();
        }
    }

    @Test
    void shouldWriteNoTraceHeadersWhenTheCommandHasNone() {
        // given
        Topics topics = start(CommandObserver.NONE);
        topics.agents.pipeInput("beta", new Agent("beta", AgentStatus.PUBLISHED, List.of("*"), 1, 600, START));

        // when
        topics.commands.pipeInput(request("beta", new RecordHeaders()));

        // then
        assertThat(topics.facts.readRecordsToList()).isNotEmpty()
                .allSatisfy(fact -> assertThat(fact.headers().lastHeader("traceparent")).isNull());
    }

    private TestRecord<String, SessionCommand> request(String agentId, Headers headers) {
        String sessionId = SessionIds.newSessionId(agentId);
        return new TestRecord<>(agentId, new RequestSession(sessionId, agentId, null, null, 2, START,
                START.plusSeconds(10)), headers, START);
    }

    Topics start(CommandObserver observer) {
        SessionTopics names = SessionTopics.withPrefix("ttd-trace.");
        StreamsBuilder builder = new StreamsBuilder();
        SessionTopology.build(builder, names, LeaseSettings.DEFAULTS, observer);
        Properties props = new Properties();
        props.put(StreamsConfig.APPLICATION_ID_CONFIG, "processor-ttd-trace");
        props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "unused:9092");
        props.put(StreamsConfig.STATE_DIR_CONFIG, state.toString());
        driver = new TopologyTestDriver(builder.build(), props, START);
        return new Topics(
                driver.createInputTopic(names.agents().name(), new StringSerializer(), names.agents().valueSerde().serializer()),
                driver.createInputTopic(names.commands().name(), new StringSerializer(),
                        names.commands().valueSerde().serializer()),
                driver.createOutputTopic(names.events().name(), new StringDeserializer(),
                        names.events().valueSerde().deserializer()),
                driver.createOutputTopic(names.replies().name(), new StringDeserializer(),
                        names.replies().valueSerde().deserializer()));
    }

    record Topics(TestInputTopic<String, Agent> agents, TestInputTopic<String, SessionCommand> commands,
                  TestOutputTopic<String, SessionEvent> facts, TestOutputTopic<String, SessionReply> replies) {
    }
}
