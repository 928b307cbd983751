package ai.ojin.session.room;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import ai.ojin.session.events.SessionIds;
import ai.ojin.session.events.command.MarkStarted;
import ai.ojin.session.events.command.ReleaseSession;
import ai.ojin.session.events.command.SessionCommand;
import ai.ojin.session.events.fact.SessionAdmitted;
import ai.ojin.session.events.reply.SessionReply;
import ai.ojin.session.events.topic.SessionTopics;
import ai.ojin.session.testkit.FakeDaily;
import ai.ojin.session.testkit.FakeOrchestrator;
import ai.ojin.session.testkit.Fault;
import ai.ojin.session.testkit.JavaProcess;
import ai.ojin.session.testkit.TestKafka;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Issue 3, fault test 2: a worker dies after creating a room and before replying. The first worker
 * runs in its own JVM so that it can really crash (SIGKILL): no graceful drain of the batch, no
 * offset commit, no clean-up, no late writes from a half-closed application context.
 */
@Tag("fault")
class WorkerCrashTest {

    private static final Duration WAIT = Duration.ofSeconds(90);

    @Test
    void shouldNotDuplicateTheRoomAndShouldEndConsistentlyWhenTheWorkerDiesBetweenRoomAndReply() throws Exception {
        FakeDaily daily = new FakeDaily();
        FakeOrchestrator orchestrator = new FakeOrchestrator();
        SessionTopics topics = TestKafka.newTopics();
        String group = TestKafka.uniqueId("room-worker-crash");
        try {
            // given: Daily creates rooms but hangs on meeting tokens, and an admitted session whose caller
            // waits long enough to outlive a worker's crash and restart
            daily.failNext("POST", "/v1/meeting-tokens", 100, Fault.hang(Duration.ofSeconds(60)));
            Instant now = Instant.now();
            SessionAdmitted admitted = new SessionAdmitted(SessionIds.newSessionId("agent-crash"), "agent-crash", now,
                    "user-42", 2, 5, 1, 600, now.plusSeconds(120), now.plusSeconds(120));
            String id = admitted.sessionId();
            RecordMetadata fact = publish(topics, admitted);

            // and: a worker in its own JVM that has created the room and is stuck minting tokens (not replied)
            JavaProcess first = JavaProcess.start(RoomWorkerApplication.class,
                    WorkerHarness.properties(daily, orchestrator, topics, group,
                    "c2VjcmV0", Map.of(
                            // the first worker must still be mid set-up when it is killed (stuck in Daily's token call)
                            "room.daily.self-signed-tokens", "false",
                            "room.setup-budget", "90s",
                            "room.daily.call-timeout", "90s",
                            // a dead member leaves the group soon, so the restart gets the partitions
                            "spring.kafka.consumer.properties.session.timeout.ms", "6000",
                            "spring.kafka.consumer.properties.heartbeat.interval.ms", "1000")),
                    Path.of("target", "worker-crash-" + group + ".log"));
            try {
                await().atMost(WAIT).until(() -> first.assertAlive()
                        && daily.room(id).isPresent() && daily.requestCount("POST", "/v1/meeting-tokens") >= 2);
                assertThat(daily.tokensForRoom(id)).as("tokens minted before the crash").isEmpty();
                assertThat(orchestrator.liveSessions()).as("bots started before the crash").isEmpty();
            } finally {
                // when: the worker dies abruptly while the set-up is in flight
                first.kill();
            }
            assertThat(committedOffset(group, fact)).as("offset committed by the crashed worker")
                    .satisfiesAnyOf(o -> assertThat(o).isNull(), o -> assertThat(o.offset()).isLessThanOrEqualTo(fact.offset()));
            assertThat(daily.roomsCreated()).isEqualTo(1);

            // and: a new instance of the same consumer group starts on the same topics and fakes, Daily healthy
            daily.resetKnobs();
            try (WorkerHarness second = new WorkerHarness(daily, orchestrator, topics, group, Map.of())) {
                // then: the admitted fact is redelivered and answered once, with one command
                await().atMost(WAIT).until(() -> second.reply(id).isPresent() && !second.commandsFor(id).isEmpty());
                await().during(Duration.ofSeconds(2)).atMost(Duration.ofSeconds(10)).until(() ->
                        repliesFor(second, id).size() == 1 && second.commandsFor(id).size() == 1);
                ConsumerRecord<String, SessionReply> replyRecord = repliesFor(second, id).get(0);
                assertThat(replyRecord.partition()).isEqualTo(admitted.replyPartition());
                SessionReply reply = replyRecord.value();
                SessionCommand command = second.commandsFor(id).get(0);

                // and: it was handled again by the new instance, which reused the room instead of making another
                assertThat(daily.requests()).anySatisfy(r -> {
                    assertThat(r.method()).isEqualTo("POST");
                    assertThat(r.path()).isEqualTo("/v1/rooms");
                    assertThat(r.body()).contains(id);
                });
                assertThat(daily.requestCount("GET", "/v1/rooms/" + id)).as("lookups of the existing room").isPositive();
                assertThat(daily.roomsCreated()).as("rooms ever created").isEqualTo(1);

                // and: the slot is either in use by a live session or freed, never both nor neither
                boolean inUse = reply.ok() && command instanceof MarkStarted
                        && daily.liveRoomNames().contains(id) && orchestrator.liveSessions().contains(id);
                boolean freed = !reply.ok() && command instanceof ReleaseSession
                        && !daily.liveRoomNames().contains(id) && !orchestrator.liveSessions().contains(id);
                assertThat(inUse ^ freed)
                        .as("exactly one outcome: in use (%s) or freed (%s); reply %s, command %s, rooms %s, bots %s",
                                inUse, freed, reply.ok(), command, daily.liveRoomNames(), orchestrator.liveSessions())
                        .isTrue();
                if (inUse) {
                    assertThat(reply.roomUrl()).isEqualTo("https://fake.daily.co/" + id);
                    assertThat(orchestrator.startCount(id)).isEqualTo(1);
                }

                // and: no meeting token ever reached the commands topic
                List<String> tokens = daily.tokens().stream().map(FakeDaily.MintedToken::token).toList();
                var serializer = topics.commands().valueSerde().serializer();
                assertThat(second.commands.values()).allSatisfy(c -> {
                    String json = new String(serializer.serialize(topics.commands().name(), c), StandardCharsets.UTF_8);
                    assertThat(tokens).noneSatisfy(token -> assertThat(json).contains(token));
                });
            }
        } finally {
            daily.close();
            orchestrator.close();
        }
    }

    private static List<ConsumerRecord<String, SessionReply>> repliesFor(WorkerHarness worker, String sessionId) {
        return worker.replies.records().stream().filter(r -> r.key().equals(sessionId)).toList();
    }

    private static RecordMetadata publish(SessionTopics topics, SessionAdmitted admitted) throws Exception {
        try (var producer = new KafkaProducer<>(Map.<String, Object>of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, TestKafka.bootstrapServers()),
                topics.events().keySerde().serializer(), topics.events().valueSerde().serializer())) {
            return producer.send(topics.events().record(admitted.agentId(), admitted)).get();
        }
    }

    private static OffsetAndMetadata committedOffset(String group, RecordMetadata fact) throws Exception {
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, TestKafka.bootstrapServers()))) {
            return admin.listConsumerGroupOffsets(group).partitionsToOffsetAndMetadata().get()
                    .get(new TopicPartition(fact.topic(), fact.partition()));
        }
    }
}
