package ai.ojin.session.room;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import ai.ojin.session.events.SessionIds;
import ai.ojin.session.events.command.EndReason;
import ai.ojin.session.events.command.MarkStarted;
import ai.ojin.session.events.command.ReleaseSession;
import ai.ojin.session.events.fact.SessionAdmitted;
import ai.ojin.session.events.fact.SessionFailed;
import ai.ojin.session.events.reply.ErrorCode;
import ai.ojin.session.events.reply.SessionReply;
import ai.ojin.session.testkit.Fault;
import ai.ojin.session.testkit.TestKafka;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.utils.Utils;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;

/**
 * The worker as a job system: sessions never wait for each other, callers are answered before their
 * deadline. One worker for the class (each test on agents and sessions of its own, its faults
 * scripted for them and cleared after it); a test with settings of its own, or that makes the broker
 * refuse the worker's writes, starts a worker of its own.
 */
@ExtendWith(OutputCaptureExtension.class)
class WorkerJobsTest {

    private static final Duration WAIT = Duration.ofSeconds(60);
    private static WorkerHarness worker;

    @RegisterExtension
    static final SharedWorker SHARED = new SharedWorker(started -> worker = started);

    @Test
    void shouldAnswerAnotherAgentAtOnceWhileOneAgentsOrchestratorHangs() throws Exception {
        // given: the orchestrator hangs on every bot start for agent A; agent B shares A's partition
        String agentA = "agent-hang-a";
        String agentB = partitionMateOf(agentA);
        worker.orchestrator.failNextWhen("POST", "/v1/sessions",
                call -> call.body().contains("\"agent_id\":\"" + agentA + "\""), 100,
                Fault.hang(Duration.ofSeconds(30)));
        SessionAdmitted a = WorkerHarness.admitted(agentA);
        worker.publish(a);
        await().atMost(WAIT).until(() -> worker.orchestrator.requests().stream()
                .anyMatch(r -> r.method().equals("POST") && r.body().contains(a.sessionId())));

        // when: B's session is admitted while A's bot start hangs
        SessionAdmitted b = WorkerHarness.admitted(agentB);
        Instant sent = Instant.now();
        worker.publish(b);

        // then: B is answered with success while A is still waiting for its orchestrator
        await().atMost(WAIT).until(() -> worker.reply(b.sessionId()).isPresent());
        Duration tookB = Duration.between(sent, Instant.now());
        assertThat(worker.reply(b.sessionId()).orElseThrow().ok()).isTrue();
        assertThat(worker.reply(a.sessionId())).as("A still in set-up when B was answered").isEmpty();
        assertThat(tookB).as("B's set-up did not wait for A's").isLessThan(Duration.ofSeconds(3));

        // and: A is answered orchestrator_error before its caller's deadline
        await().atMost(WAIT).until(() -> worker.reply(a.sessionId()).isPresent());
        assertThat(worker.reply(a.sessionId()).orElseThrow().errorCode()).isEqualTo(ErrorCode.ORCHESTRATOR_ERROR);
    }

    @Test
    void shouldAnswerOrchestratorErrorBeforeTheDeadlineAndRemoveRoomAndBotWhenTheOrchestratorHangs() throws Exception {
        // given: the orchestrator hangs on the session's bot starts and, twice, on its bot stops
        SessionAdmitted admitted = admittedWithDeadline("agent-orch-hang", Duration.ofSeconds(10));
        String id = admitted.sessionId();
        worker.orchestrator.failNextWhen("POST", "/v1/sessions", call -> call.body().contains(id), 100,
                Fault.hang(Duration.ofSeconds(20)));
        worker.orchestrator.failNext("DELETE", "/v1/sessions/" + id, 2, Fault.hang(Duration.ofSeconds(20)));

        // when
        worker.publish(admitted);

        // then: 502 orchestrator_error reaches the caller before the API's own deadline
        await().atMost(WAIT).until(() -> worker.reply(id).isPresent());
        assertThat(Instant.now()).isBefore(admitted.deadline());
        assertThat(worker.reply(id).orElseThrow().errorCode()).isEqualTo(ErrorCode.ORCHESTRATOR_ERROR);
        await().atMost(WAIT).until(() -> !worker.commandsFor(id).isEmpty());
        assertThat(worker.commandsFor(id)).singleElement().isInstanceOfSatisfying(ReleaseSession.class,
                r -> assertThat(r.reason()).isEqualTo(EndReason.ORCHESTRATOR_ERROR));

        // when: the processor turns the release into a failed fact
        worker.publish(new SessionFailed(id, admitted.agentId(), Instant.now(), ErrorCode.ORCHESTRATOR_ERROR, 0));

        // then: the room is deleted and the bot stopped, once the orchestrator answers again
        await().atMost(WAIT).until(() -> worker.daily.deletedRoomNames().contains(id)
                && worker.orchestrator.requestCount("DELETE", "/v1/sessions/" + id) >= 3);
        assertThat(worker.daily.liveRoomNames()).doesNotContain(id);
        assertThat(worker.orchestrator.liveSessions()).doesNotContain(id);
    }

    @Test
    void shouldAnswerRoomCreationFailedBeforeTheDeadlineAndRemoveTheRoomWhenDailyHangsOnTokensAndDelete()
            throws Exception {
        // (a worker of its own: tokens minted by Daily)
        try (WorkerHarness worker = new WorkerHarness(Map.of("room.daily.self-signed-tokens", "false"))) {
            // given: Daily (minting the tokens) creates rooms but hangs on meeting tokens and, twice, on room deletes
            worker.daily.failNext("POST", "/v1/meeting-tokens", 100, Fault.hang(Duration.ofSeconds(20)));
            worker.daily.failNext("DELETE", "/v1/rooms/", 2, Fault.hang(Duration.ofSeconds(20)));
            SessionAdmitted admitted = admittedWithDeadline("agent-daily-hang", Duration.ofSeconds(10));
            String id = admitted.sessionId();

            // when
            worker.publish(admitted);

            // then: 502 room_creation_failed before the API's deadline, and a release
            await().atMost(WAIT).until(() -> worker.reply(id).isPresent());
            assertThat(Instant.now()).isBefore(admitted.deadline());
            assertThat(worker.reply(id).orElseThrow().errorCode()).isEqualTo(ErrorCode.ROOM_CREATION_FAILED);
            await().atMost(WAIT).until(() -> !worker.commandsFor(id).isEmpty());
            assertThat(worker.commandsFor(id)).singleElement().isInstanceOfSatisfying(ReleaseSession.class,
                    r -> assertThat(r.reason()).isEqualTo(EndReason.ROOM_CREATION_FAILED));
            assertThat(worker.daily.liveRoomNames()).as("the room exists until the failed fact").contains(id);

            // when
            worker.publish(new SessionFailed(id, admitted.agentId(), Instant.now(), ErrorCode.ROOM_CREATION_FAILED, 0));

            // then: the room is closed at once, while Daily still hangs on its delete
            await().atMost(WAIT).until(() -> !worker.daily.isOpen(id));
            assertThat(worker.daily.deletedRoomNames()).doesNotContain(id);

            // and: it goes once Daily answers deletes again; no bot was ever started
            await().atMost(WAIT).until(() -> worker.daily.deletedRoomNames().contains(id));
            assertThat(worker.orchestrator.starts()).isEmpty();
        }
    }

    @Test
    void shouldRetryAFailedKafkaWriteAndCommitNothingPastItUntilItSucceeds(CapturedOutput output) throws Exception {
        // (a worker of its own: short producer timeouts, and its replies topic refusing writes for a while)
        try (WorkerHarness worker = workerWithShortProducerTimeouts(); Admin admin = admin()) {
            // given: the broker refuses every write to the replies topic (a reply is larger than the topic allows)
            TestKafka.refuseWritesTo(worker.topics.replies().name());
            SessionAdmitted first = WorkerHarness.admitted("agent-kafka-down");
            SessionAdmitted second = WorkerHarness.admitted("agent-kafka-down");

            // when: two sessions of the same partition are set up
            worker.publish(first, second);

            // then: the set-ups are done (MarkStarted written), but the replies fail and are retried, and the
            // group's offset stays at or below the first fact
            await().atMost(WAIT).until(() -> worker.commandsFor(first.sessionId()).size() == 1
                    && worker.commandsFor(second.sessionId()).size() == 1
                    && output.getAll().contains("Session " + first.sessionId() + ": writing its reply failed (try 2)"));
            assertThat(worker.replies.records()).isEmpty();
            TopicPartition partition = partitionOf(worker, first.agentId());
            assertThat(committed(admin, worker.consumerGroup, partition)).isLessThanOrEqualTo(0L);

            // when: the broker accepts writes again
            TestKafka.acceptWritesTo(worker.topics.replies().name());

            // then: each session is answered exactly once, started exactly once, and the offset moves past both
            await().atMost(WAIT).until(() -> worker.reply(first.sessionId()).isPresent()
                    && worker.reply(second.sessionId()).isPresent());
            await().atMost(WAIT).until(() -> committed(admin, worker.consumerGroup, partition) == 2L);
            assertThat(worker.replies.values()).hasSize(2).allSatisfy(r -> assertThat(r.ok()).isTrue());
            assertThat(worker.commandsFor(first.sessionId())).singleElement().isInstanceOf(MarkStarted.class);
            assertThat(worker.commandsFor(second.sessionId())).singleElement().isInstanceOf(MarkStarted.class);
            assertThat(worker.daily.roomsCreated()).isEqualTo(2);
        }
    }

    @Test
    void shouldAnswerTheCallerOnlyOnceTheSessionsStartIsWritten(CapturedOutput output) throws Exception {
        // (a worker of its own: short producer timeouts, and its commands topic refusing writes for a while)
        try (WorkerHarness worker = workerWithShortProducerTimeouts()) {
            // given: the broker refuses every write to the commands topic, so MarkStarted cannot be written
            TestKafka.refuseWritesTo(worker.topics.commands().name());
            SessionAdmitted admitted = WorkerHarness.admitted("agent-start-first");
            String id = admitted.sessionId();

            // when: the session's room and bot are ready
            worker.publish(admitted);

            // then: while MarkStarted is refused and retried, the caller is not told about its room (a crash now
            // would leave a room its caller holds for a session that never starts)
            await().atMost(WAIT).until(() -> worker.orchestrator.session(id).isPresent()
                    && output.getAll().contains("Session " + id + ": writing its mark started failed (try 2)"));
            assertThat(worker.reply(id)).isEmpty();

            // when: the broker accepts commands again
            TestKafka.acceptWritesTo(worker.topics.commands().name());

            // then: MarkStarted is written, and the caller's success reply after it
            await().atMost(WAIT).until(() -> worker.reply(id).isPresent());
            assertThat(worker.reply(id).orElseThrow().ok()).isTrue();
            assertThat(worker.commandsFor(id)).singleElement().isInstanceOf(MarkStarted.class);
            long started = worker.commands.records().stream().filter(r -> r.value().sessionId().equals(id))
                    .findFirst().orElseThrow().timestamp();
            long replied = worker.replies.records().stream().filter(r -> r.key().equals(id))
                    .findFirst().orElseThrow().timestamp();
            assertThat(replied).as("the reply's time vs MarkStarted's").isGreaterThanOrEqualTo(started);
        }
    }

    @Test
    void shouldPausePartitionsAtTheInFlightBoundAndGoOnAfterwards() throws Exception {
        // (a worker of its own: at most 5 set-ups in flight)
        try (WorkerHarness worker = new WorkerHarness(Map.of("room.max-in-flight", "5"))) {
            // given: Daily takes 1 s per call
            worker.daily.setLatency(Duration.ofSeconds(1));
            List<SessionAdmitted> sessions = java.util.stream.IntStream.range(0, 20)
                    .mapToObj(i -> WorkerHarness.admitted("agent-bound-" + (i % 4))).toList();

            // when
            worker.publish(sessions.toArray(SessionAdmitted[]::new));

            // then: never more than 5 set-ups at once (each has at most 2 Daily calls in flight), and all succeed
            await().atMost(WAIT).until(() -> worker.replies.records().size() == 20);
            assertThat(worker.replies.values()).allSatisfy(r -> assertThat(r.ok()).isTrue());
            assertThat(worker.daily.maxInFlight()).isBetween(2, 10);
        }
    }

    private static SessionAdmitted admittedWithDeadline(String agentId, Duration wait) {
        Instant now = Instant.now();
        return new SessionAdmitted(SessionIds.newSessionId(agentId), agentId, now, "user-42", 1, 5, 1, 600,
                now.plusSeconds(30), now.plus(wait));
    }

    /** An agent id whose facts land on the same partition of the 3-partition facts topic as {@code agentId}'s. */
    private static String partitionMateOf(String agentId) {
        int partition = partition(agentId, 3);
        for (int i = 0; ; i++) {
            String candidate = agentId + "-mate-" + i;
            if (partition(candidate, 3) == partition) {
                return candidate;
            }
        }
    }

    private static int partition(String key, int partitions) {
        return Utils.toPositive(Utils.murmur2(key.getBytes(StandardCharsets.UTF_8))) % partitions;
    }

    private static TopicPartition partitionOf(WorkerHarness worker, String agentId) {
        return new TopicPartition(worker.topics.events().name(), partition(agentId, 3));
    }

    private static long committed(Admin admin, String group, TopicPartition partition) throws Exception {
        Map<TopicPartition, OffsetAndMetadata> offsets = admin.listConsumerGroupOffsets(group)
                .partitionsToOffsetAndMetadata().get();
        OffsetAndMetadata offset = offsets.get(partition);
        return offset == null ? -1 : offset.offset();
    }

    /** A worker of its own whose Kafka writes fail within 2 s (and are then retried by the worker). */
    private static WorkerHarness workerWithShortProducerTimeouts() {
        return new WorkerHarness(Map.of("spring.kafka.producer.properties.delivery.timeout.ms", "2000",
                "spring.kafka.producer.properties.request.timeout.ms", "1000"));
    }

    private static Admin admin() {
        return Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, TestKafka.bootstrapServers()));
    }
}
