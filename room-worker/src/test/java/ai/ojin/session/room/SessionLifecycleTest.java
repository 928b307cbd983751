package ai.ojin.session.room;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import ai.ojin.session.events.SessionIds;
import ai.ojin.session.events.command.EndReason;
import ai.ojin.session.events.fact.SessionAdmitted;
import ai.ojin.session.events.fact.SessionEnded;
import ai.ojin.session.room.config.KafkaConfiguration;
import ai.ojin.session.testkit.FakeDaily;
import ai.ojin.session.testkit.Fault;
import ai.ojin.session.testkit.RecordedRequest;
import ai.ojin.session.testkit.TestKafka;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.IntStream;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * One worker for the class (each test on agents and sessions of its own, its fault knobs cleared
 * after it); a test with settings of its own starts a worker of its own.
 */
class SessionLifecycleTest {

    private static final Duration WAIT = Duration.ofSeconds(60);
    private static WorkerHarness worker;

    @RegisterExtension
    static final SharedWorker SHARED = new SharedWorker(started -> worker = started);

    @Test
    void shouldCloseTheRoomAtOnceStopTheBotAndDeleteTheRoomAfterwardsWhenSessionEnds() throws Exception {
        // given: a session that is up
        SessionAdmitted admitted = WorkerHarness.admitted("agent-end");
        String id = admitted.sessionId();
        worker.publish(admitted);
        await().atMost(WAIT).until(() -> worker.orchestrator.liveSessions().contains(id));

        // when
        worker.publish(new SessionEnded(id, "agent-end", Instant.now(), EndReason.END_CALL, 0));

        // then: the room is closed (exp a second ahead, everyone ejected) and the bot stopped
        await().atMost(WAIT).until(() -> !worker.daily.isOpen(id) && !worker.orchestrator.liveSessions().contains(id));
        assertThat(worker.orchestrator.stoppedSessionIds()).containsOnlyOnce(id);
        RecordedRequest close = worker.daily.requests().stream()
                .filter(r -> r.method().equals("POST") && r.path().equals("/v1/rooms/" + id)).findFirst().orElseThrow();
        assertThat(close.body()).contains("\"eject_at_room_exp\":true");

        // and: the closed room is deleted afterwards
        await().atMost(WAIT).until(() -> worker.daily.deletedRoomNames().contains(id));
        assertThat(worker.daily.deletedRoomNames()).containsOnlyOnce(id);
        RecordedRequest delete = worker.daily.requests().stream()
                .filter(r -> r.method().equals("DELETE") && r.path().equals("/v1/rooms/" + id)).findFirst().orElseThrow();
        assertThat(delete.at()).isAfterOrEqualTo(close.at());
    }

    @Test
    void shouldCloseEveryRoomAtOnceWhenManySessionsEndTogetherAndDeleteThemWithinDailysLimits() throws Exception {
        // given: 12 sessions that are up (Daily's limits on: 20 calls/s, 2 room deletes/s)
        int limitedBefore = worker.daily.rateLimited(FakeDaily.Family.STANDARD);
        int deletesLimitedBefore = worker.daily.rateLimited(FakeDaily.Family.DELETE);
        List<SessionAdmitted> sessions = IntStream.range(0, 12)
                .mapToObj(i -> WorkerHarness.admitted("agent-ends-" + (i % 4))).toList();
        worker.publish(sessions.toArray(SessionAdmitted[]::new));
        List<String> ids = sessions.stream().map(SessionAdmitted::sessionId).toList();
        await().atMost(WAIT).until(() -> worker.orchestrator.liveSessions().containsAll(ids));

        // when: they all end at once
        Instant ended = Instant.now();
        worker.publish(sessions.stream().map(a -> new SessionEnded(a.sessionId(), a.agentId(), Instant.now(),
                EndReason.END_CALL, 0)).toArray(SessionEnded[]::new));

        // then: every room is closed within seconds, far sooner than 12 deletes at 2/s would allow
        await().atMost(WAIT).until(() -> ids.stream().noneMatch(worker.daily::isOpen));
        Duration toClose = Duration.between(ended, Instant.now());

        // and: the rooms are deleted afterwards, without a single 429 from Daily
        await().atMost(WAIT).until(() -> worker.daily.deletedRoomNames().containsAll(ids));
        Duration toDelete = Duration.between(ended, Instant.now());
        assertThat(worker.daily.rateLimited(FakeDaily.Family.STANDARD)).as("429s in this test").isEqualTo(limitedBefore);
        assertThat(worker.daily.rateLimited(FakeDaily.Family.DELETE)).as("429s in this test").isEqualTo(deletesLimitedBefore);
        assertThat(toDelete).as("12 deletes at the budget of 1.58/s (closed after %s)", toClose)
                .isGreaterThanOrEqualTo(Duration.ofSeconds(6));
        assertThat(toClose).isLessThan(toDelete);
    }

    @Test
    void shouldStopBotsAtOnceWhileRoomClosesWaitForDaily() throws Exception {
        // (a worker of its own: one tear-down step of each kind at a time)
        try (WorkerHarness worker = new WorkerHarness(Map.of("room.teardown.concurrency", "1"))) {
            // given: two sessions that are up, one tear-down step of each kind at a time, and Daily failing every
            // room update (the close) for now
            SessionAdmitted first = WorkerHarness.admitted("agent-lanes");
            SessionAdmitted second = WorkerHarness.admitted("agent-lanes");
            worker.publish(first, second);
            await().atMost(WAIT).until(() -> worker.orchestrator.liveSessions()
                    .containsAll(List.of(first.sessionId(), second.sessionId())));
            AtomicBoolean dailyDown = new AtomicBoolean(true);
            worker.daily.failNextWhen("POST", "/v1/rooms/", call -> dailyDown.get(), 10_000, Fault.status(500));

            // when: both end
            worker.publish(new SessionEnded(first.sessionId(), "agent-lanes", Instant.now(), EndReason.END_CALL, 0),
                    new SessionEnded(second.sessionId(), "agent-lanes", Instant.now(), EndReason.END_CALL, 0));

            // then: both bots are stopped although the first close is still being retried and the second waits
            await().atMost(WAIT).until(() -> worker.orchestrator.stoppedSessionIds()
                    .containsAll(List.of(first.sessionId(), second.sessionId())));
            assertThat(worker.daily.isOpen(first.sessionId())).isTrue();
            assertThat(worker.daily.isOpen(second.sessionId())).isTrue();

            // when: Daily answers again
            dailyDown.set(false);

            // then: both rooms are closed
            await().atMost(WAIT).until(() -> !worker.daily.isOpen(first.sessionId())
                    && !worker.daily.isOpen(second.sessionId()));
        }
    }

    @Test
    void shouldLeaveNothingBehindWhenSessionEndsDuringSetup() throws Exception {
        // given: Daily is slow, so the set-up is still running when the session ends
        worker.daily.setLatency(Duration.ofMillis(800));
        SessionAdmitted admitted = WorkerHarness.admitted("agent-abandon");

        // when: the caller gives up (abandoned) right after admission
        worker.publish(admitted,
                new SessionEnded(admitted.sessionId(), "agent-abandon", Instant.now(), EndReason.ABANDONED, 0));

        // then: no room and no bot remain (once its room was deleted and every call to the fakes has settled)
        await().atMost(WAIT).until(() -> worker.daily.requestCount("DELETE", "/v1/rooms/" + admitted.sessionId()) > 0);
        await().atMost(WAIT).until(() -> worker.daily.inFlight() == 0 && worker.orchestrator.inFlight() == 0);
        assertThat(worker.daily.liveRoomNames()).doesNotContain(admitted.sessionId());
        assertThat(worker.orchestrator.liveSessions()).doesNotContain(admitted.sessionId());
    }

    @Test
    void shouldDeleteOrphanRoomsOnReconciliationAndKeepLiveOnes() throws Exception {
        // (a worker of its own: reconciling every second, deleting whatever room of its agents it does not know)
        try (WorkerHarness worker = new WorkerHarness(Map.of("room.reconcile-interval", "1s", "room.reconcile-grace", "1s",
                "room.setup-budget", "2s", "room.daily.call-timeout", "500ms"))) {
            // given: a live session, a foreign room, an orphan of ours, and a create call that times out but
            // makes its room anyway
            SessionAdmitted live = WorkerHarness.admitted("agent-rec");
            worker.publish(live);
            await().atMost(WAIT).until(() -> worker.reply(live.sessionId()).isPresent());
            worker.daily.addRoom("someone-elses-room", Instant.now(), Map.of());
            String orphan = SessionIds.newSessionId("agent-rec");
            worker.daily.addRoom(orphan, Instant.now(), Map.of());
            worker.daily.failNext("POST", "/v1/rooms", 1, Fault.hangThenProceed(Duration.ofSeconds(3)));
            worker.daily.failNext("POST", "/v1/rooms", 10, Fault.status(500));
            SessionAdmitted timedOut = WorkerHarness.admitted("agent-rec");
            worker.publish(timedOut);
            await().atMost(WAIT).until(() -> worker.reply(timedOut.sessionId()).isPresent());
            await().atMost(WAIT).until(() -> worker.daily.deletedRoomNames().contains(timedOut.sessionId())
                    || worker.daily.room(timedOut.sessionId()).isPresent());

            // then: the orphans go within a few periods, the live and foreign rooms stay
            await().atMost(WAIT).until(() -> worker.daily.deletedRoomNames().containsAll(List.of(orphan, timedOut.sessionId())));
            assertThat(worker.daily.liveRoomNames()).contains(live.sessionId(), "someone-elses-room");
        }
    }

    @Test
    void shouldSendUnreadableFactsToTheDeadLetterTopicAndGoOn() throws Exception {
        // given
        SessionAdmitted after = WorkerHarness.admitted("agent-poison");
        String poison = "{not json " + after.sessionId();

        // when: a record that is not a fact, then a good one
        worker.publishRaw("agent-poison", poison.getBytes(StandardCharsets.UTF_8));
        worker.publish(after);

        // then
        await().atMost(WAIT).until(() -> worker.reply(after.sessionId()).isPresent());
        String dlt = KafkaConfiguration.deadLetterTopic(worker.topics);
        try (var consumer = new KafkaConsumer<>(Map.<String, Object>of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, TestKafka.bootstrapServers()),
                new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            var partitions = consumer.partitionsFor(dlt).stream().map(p -> new TopicPartition(dlt, p.partition())).toList();
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            List<String> values = new java.util.ArrayList<>();
            await().atMost(WAIT).until(() -> {
                consumer.poll(Duration.ofMillis(200)).forEach(r -> values.add(new String(r.value(), StandardCharsets.UTF_8)));
                return values.contains(poison);
            });
            assertThat(values).containsOnlyOnce(poison);
        }
    }
}
