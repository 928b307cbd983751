package ai.ojin.session.room;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import ai.ojin.session.events.SessionIds;
import ai.ojin.session.events.command.EndReason;
import ai.ojin.session.events.command.MarkStarted;
import ai.ojin.session.events.command.ParticipantPresence;
import ai.ojin.session.events.command.ReleaseSession;
import ai.ojin.session.events.fact.SessionAdmitted;
import ai.ojin.session.events.fact.SessionEnded;
import ai.ojin.session.events.reply.SessionReply;
import ai.ojin.session.events.room.RoomAssignment;
import ai.ojin.session.room.pool.RoomPool;
import ai.ojin.session.room.webhook.WebhookSignature;
import ai.ojin.session.testkit.FakeDaily;
import ai.ojin.session.testkit.Fault;
import ai.ojin.session.testkit.TestKafka;
import io.micrometer.core.instrument.MeterRegistry;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.stream.Collectors;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;

/**
 * The warm pool. Most tests need a pool of their own settings (size, recycling, lifetimes, prefix,
 * reconciliation) and watch the whole pool, so they start a worker of their own; the tests that
 * need only a pool of one share one ({@link #poolOfOne()}), each on sessions of its own.
 */
@ExtendWith(OutputCaptureExtension.class)
class RoomPoolTest {

    private static final Duration WAIT = Duration.ofSeconds(60);
    private static WorkerHarness poolOfOne;
    private final HttpClient http = HttpClient.newHttpClient();

    /** The worker with a pool of one room, shared by the tests that need nothing else; started by the first of them. */
    private static synchronized WorkerHarness poolOfOne() {
        if (poolOfOne == null) {
            poolOfOne = new WorkerHarness(Map.of("room.pool.size", "1"));
        }
        return poolOfOne;
    }

    @AfterEach
    void clearFaults() {
        if (poolOfOne != null) {
            poolOfOne.clearFaults();
        }
    }

    @AfterAll
    static void stopWorker() throws Exception {
        if (poolOfOne != null) {
            poolOfOne.close();
        }
    }

    @Test
    void shouldGiveEachSessionAPooledRoomOfItsOwnAndDeleteItWhenTheSessionEndsWithoutRecycling() throws Exception {
        try (WorkerHarness worker = new WorkerHarness(Map.of("room.pool.size", "3", "room.pool.recycle", "false"));
             TopicRecorder<RoomAssignment> assignments = new TopicRecorder<>(worker.topics.roomAssignments())) {
            // given: a full pool, made before any session was admitted
            await().atMost(WAIT).until(() -> poolRooms(worker.daily).size() == 3);
            Set<String> ready = poolRooms(worker.daily);
            int createdBefore = worker.daily.roomsCreated();
            assertThat(ready).allSatisfy(name -> {
                FakeDaily.Room room = worker.daily.room(name).orElseThrow();
                assertThat(room.privacy()).isEqualTo("private");
                assertThat(room.ejectAtRoomExp()).isTrue();
                assertThat(room.exp()).as("a long exp").isGreaterThan(Instant.now().plus(Duration.ofHours(24)).getEpochSecond());
            });
            SessionAdmitted first = WorkerHarness.admitted("agent-pool");
            SessionAdmitted second = WorkerHarness.admitted("agent-pool");

            // when
            worker.publish(first, second);

            // then: each is answered with a different room of the pool, no room was created for them
            await().atMost(WAIT).until(() -> worker.reply(first.sessionId()).isPresent()
                    && worker.reply(second.sessionId()).isPresent());
            SessionReply firstReply = worker.reply(first.sessionId()).orElseThrow();
            SessionReply secondReply = worker.reply(second.sessionId()).orElseThrow();
            String firstRoom = roomName(firstReply);
            String secondRoom = roomName(secondReply);
            assertThat(ready).contains(firstRoom, secondRoom);
            assertThat(firstRoom).isNotEqualTo(secondRoom);
            assertThat(worker.daily.requests()).noneSatisfy(r -> assertThat(r.body()).contains(first.sessionId()));
            assertThat(worker.daily.room(first.sessionId())).isEmpty();

            // and: the tokens are for the pooled room, the user's can join it within the join window (2 min), and is
            // ejected after the session's length
            FakeDaily.SelfSignedToken token = worker.daily.verifySelfSigned(firstReply.token()).orElseThrow();
            assertThat(token.roomName()).isEqualTo(firstRoom);
            assertThat(token.exp()).isBetween(Instant.now().getEpochSecond() + 60, Instant.now().getEpochSecond() + 120);
            assertThat(token.ejectAfterElapsed()).isEqualTo(first.maxSessionSeconds() + 60L);
            assertThat(worker.daily.admits(firstRoom, firstReply.token())).isTrue();
            assertThat(worker.orchestrator.session(first.sessionId()).orElseThrow().roomUrl()).isEqualTo(firstReply.roomUrl());

            // and: the assignment is on the compacted topic, keyed by session id, and MarkStarted names the room
            await().atMost(WAIT).until(() -> assignmentOf(assignments, first.sessionId()) != null);
            RoomAssignment assignment = assignmentOf(assignments, first.sessionId());
            assertThat(assignment.roomName()).isEqualTo(firstRoom);
            assertThat(assignment.pooled()).isTrue();
            assertThat(assignment.agentId()).isEqualTo("agent-pool");
            await().atMost(WAIT).until(() -> !worker.commandsFor(first.sessionId()).isEmpty());
            assertThat(worker.commandsFor(first.sessionId())).singleElement()
                    .isInstanceOfSatisfying(MarkStarted.class, m -> assertThat(m.roomName()).isEqualTo(firstRoom));

            // and: the pool is refilled in the background
            await().atMost(WAIT).until(() -> worker.daily.roomsCreated() >= createdBefore + 2 && poolRooms(worker.daily).size() >= 5);
            MeterRegistry meters = worker.app.getBean(MeterRegistry.class);
            assertThat(meters.get("room.pool.takes").tag("outcome", "hit").counter().count()).isEqualTo(2);
            assertThat(meters.get("room.pool.takes").tag("outcome", "miss").counter().count()).isZero();
            await().atMost(WAIT).until(() -> meters.get("room.pool.size").gauge().value() == 3);

            // when: the first session ends
            worker.publish(new SessionEnded(first.sessionId(), "agent-pool", Instant.now(), EndReason.END_CALL, 0));

            // then: its pooled room is closed at once, then deleted, never given to anyone else, and its assignment
            // tombstoned
            await().atMost(WAIT).until(() -> !worker.daily.isOpen(firstRoom));
            await().atMost(WAIT).until(() -> worker.daily.deletedRoomNames().contains(firstRoom));
            await().atMost(WAIT).until(() -> assignments.records().stream()
                    .anyMatch(r -> r.key().equals(first.sessionId()) && r.value() == null));
            SessionAdmitted third = WorkerHarness.admitted("agent-pool");
            worker.publish(third);
            await().atMost(WAIT).until(() -> worker.reply(third.sessionId()).isPresent());
            assertThat(roomName(worker.reply(third.sessionId()).orElseThrow())).isNotIn(firstRoom, secondRoom);
            assertThat(worker.daily.liveRoomNames()).contains(secondRoom);
        }
    }

    @Test
    void shouldReopenAnEndedSessionsRoomForALaterSessionOnlyOnceEveryTokenOfItsSessionHasExpired() throws Exception {
        try (WorkerHarness worker = new WorkerHarness(Map.of("room.pool.size", "1", "room.token-join-window", "3s"))) {
            // given: a session in the only pooled room
            MeterRegistry meters = worker.app.getBean(MeterRegistry.class);
            await().atMost(WAIT).until(() -> poolRooms(worker.daily).size() == 1);
            SessionAdmitted first = WorkerHarness.admitted("agent-recycle");
            worker.publish(first);
            await().atMost(WAIT).until(() -> worker.reply(first.sessionId()).isPresent());
            SessionReply firstReply = worker.reply(first.sessionId()).orElseThrow();
            String room = roomName(firstReply);
            await().atMost(WAIT).until(() -> poolRooms(worker.daily).size() == 2);

            // when: the session ends
            worker.publish(new SessionEnded(first.sessionId(), "agent-recycle", Instant.now(), EndReason.END_CALL, 0));

            // then: its room is closed at once and kept (not deleted) while the session's tokens may still be valid
            await().atMost(WAIT).until(() -> !worker.daily.isOpen(room));
            await().atMost(WAIT).until(() -> meters.get("room.pool.resting").gauge().value() == 1);
            assertThat(worker.daily.admits(room, firstReply.token())).isFalse();
            assertThat(worker.daily.deletedRoomNames()).doesNotContain(room);

            // when: once the tokens have expired (3 s after the assignment, 5 s of margin), a session takes the
            // ready room and the pool refills
            await().atMost(WAIT).until(() -> worker.daily.verifySelfSigned(firstReply.token()).orElseThrow().exp()
                    + 6 < Instant.now().getEpochSecond());
            int createdBefore = worker.daily.roomsCreated();
            SessionAdmitted second = WorkerHarness.admitted("agent-recycle");
            worker.publish(second);
            await().atMost(WAIT).until(() -> worker.reply(second.sessionId()).isPresent());
            assertThat(roomName(worker.reply(second.sessionId()).orElseThrow())).isNotEqualTo(room);

            // then: the pool reopens the rested room instead of creating one
            await().atMost(WAIT).until(() -> meters.get("room.pool.refills").tag("outcome", "reopened").counter().count() == 1);
            await().atMost(WAIT).until(() -> worker.daily.isOpen(room));
            assertThat(worker.daily.roomsCreated()).isEqualTo(createdBefore);

            // and: the next session gets that room; its token joins it, the first session's token never again
            SessionAdmitted third = WorkerHarness.admitted("agent-recycle");
            worker.publish(third);
            await().atMost(WAIT).until(() -> worker.reply(third.sessionId()).isPresent());
            SessionReply thirdReply = worker.reply(third.sessionId()).orElseThrow();
            assertThat(roomName(thirdReply)).isEqualTo(room);
            assertThat(worker.daily.admits(room, thirdReply.token())).isTrue();
            assertThat(worker.daily.admits(room, firstReply.token())).isFalse();
            assertThat(worker.daily.deletedRoomNames()).doesNotContain(room);
            await().atMost(WAIT).until(() -> !worker.commandsFor(third.sessionId()).isEmpty());

            // when: Daily reports, late, the end of the first session's meeting in that room
            long firstMeetingStart = worker.daily.verifySelfSigned(firstReply.token()).orElseThrow().issuedAt();
            HttpResponse<String> late = postWebhook(worker, "{\"version\":\"1.0.0\",\"type\":\"meeting.ended\","
                    + "\"id\":\"evt-recycle-1\",\"payload\":{\"room\":\"" + room + "\",\"start_ts\":" + firstMeetingStart
                    + ",\"end_ts\":" + (firstMeetingStart + 2) + "},\"event_ts\":2}");

            // then: it does not end the session that has the room now
            assertThat(late.statusCode()).isEqualTo(200);
            assertThat(late.body()).contains("ignored");

            // and: the end of the current session's meeting does
            long now = Instant.now().getEpochSecond() + 1;
            HttpResponse<String> current = postWebhook(worker, "{\"version\":\"1.0.0\",\"type\":\"meeting.ended\","
                    + "\"id\":\"evt-recycle-2\",\"payload\":{\"room\":\"" + room + "\",\"start_ts\":" + now
                    + ",\"end_ts\":" + (now + 1) + "},\"event_ts\":3}");
            assertThat(current.body()).contains("released");
            await().atMost(WAIT).until(() -> worker.commandsFor(third.sessionId()).stream()
                    .anyMatch(ReleaseSession.class::isInstance));
            assertThat(worker.commandsFor(third.sessionId())).filteredOn(ReleaseSession.class::isInstance).hasSize(1);
        }
    }

    @Test
    void shouldCreateARecyclableRoomOnDemandWhenThePoolIsEmpty(CapturedOutput output) throws Exception {
        // given: a full pool of one, then Daily at 1 s per call (the refill cannot keep up)
        WorkerHarness worker = poolOfOne();
        MeterRegistry meters = worker.app.getBean(MeterRegistry.class);
        RoomPool pool = worker.app.getBean(RoomPool.class);
        await().atMost(WAIT).until(() -> pool.size() == 1);
        double missesBefore = meters.get("room.pool.takes").tag("outcome", "miss").counter().count();
        double restingBefore = meters.get("room.pool.resting").gauge().value();
        worker.daily.setLatency(Duration.ofSeconds(1));
        SessionAdmitted first = WorkerHarness.admitted("agent-pool-empty");
        SessionAdmitted second = WorkerHarness.admitted("agent-pool-empty");

        // when: two sessions arrive together
        worker.publish(first, second);

        // then: one takes the pooled room, the other gets a room created on demand, with a pooled name (so it is
        // recycled like any pooled room), and tokens for it
        await().atMost(WAIT).until(() -> worker.reply(first.sessionId()).isPresent()
                && worker.reply(second.sessionId()).isPresent());
        String firstRoom = roomName(worker.reply(first.sessionId()).orElseThrow());
        String secondRoom = roomName(worker.reply(second.sessionId()).orElseThrow());
        assertThat(List.of(firstRoom, secondRoom)).allMatch(RoomPool::isPoolRoomName).doesNotHaveDuplicates();
        assertThat(meters.get("room.pool.takes").tag("outcome", "miss").counter().count()).isEqualTo(missesBefore + 1);
        String missed = output.getAll().contains("Room pool has no room for session " + first.sessionId())
                ? first.sessionId() : second.sessionId();
        SessionReply onDemand = worker.reply(missed).orElseThrow();
        assertThat(worker.daily.verifySelfSigned(onDemand.token()).orElseThrow().roomName()).isEqualTo(roomName(onDemand));
        assertThat(worker.daily.admits(roomName(onDemand), onDemand.token())).isTrue();

        // when: that session ends
        worker.daily.setLatency(Duration.ZERO);
        worker.publish(new SessionEnded(missed, "agent-pool-empty", Instant.now(), EndReason.END_CALL, 0));

        // then: its room is closed and kept to be reused, not deleted
        await().atMost(WAIT).until(() -> !worker.daily.isOpen(roomName(onDemand)));
        await().atMost(WAIT).until(() -> meters.get("room.pool.resting").gauge().value() == restingBefore + 1);
        assertThat(worker.daily.deletedRoomNames()).doesNotContain(roomName(onDemand));
    }

    @Test
    void shouldUseTheAssignedRoomWhenASetUpRunsAgainOnAnotherInstance(CapturedOutput output) throws Exception {
        try (WorkerHarness worker = new WorkerHarness(Map.of("room.pool.size", "2"))) {
            // given: a session set up with a pooled room by one worker
            await().atMost(WAIT).until(() -> poolRooms(worker.daily).size() == 2);
            SessionAdmitted admitted = WorkerHarness.admitted("agent-pool-again");
            worker.publish(admitted);
            await().atMost(WAIT).until(() -> worker.reply(admitted.sessionId()).isPresent());
            String room = roomName(worker.reply(admitted.sessionId()).orElseThrow());
            assertThat(RoomPool.isPoolRoomName(room)).isTrue();

            // when: another instance (as after a crash before the commit) runs the same admission again
            WorkerHarness again = new WorkerHarness(worker.daily, worker.orchestrator, worker.topics,
                    TestKafka.uniqueId("room-worker-again"), Map.of("room.pool.size", "2"));
            try {
                // then: it answers with the same room, without taking one of its own pool
                await().atMost(WAIT).until(() -> repliesFor(again, admitted.sessionId()).size() == 2);
                assertThat(repliesFor(again, admitted.sessionId())).allSatisfy(r -> assertThat(roomName(r)).isEqualTo(room));
                assertThat(again.app.getBean(MeterRegistry.class).get("room.pool.takes").tag("outcome", "hit")
                        .counter().count()).isZero();
                assertThat(output.getAll()).contains("Session " + admitted.sessionId()
                        + ": set up again; using its assigned room " + room);
                assertThat(worker.daily.verifySelfSigned(repliesFor(again, admitted.sessionId()).get(1).token())
                        .orElseThrow().roomName()).isEqualTo(room);
            } finally {
                again.closeWorkerOnly();
            }
        }
    }

    @Test
    void shouldReplaceReadyRoomsBeforeTheirExpRunsOut() throws Exception {
        try (WorkerHarness worker = new WorkerHarness(Map.of("room.pool.size", "2", "room.pool.room-lifetime", "4s",
                "room.pool.renew-before", "3s", "room.pool.check-interval", "200ms"))) {
            // given: a full pool of rooms that come within renew-before of their exp a second after creation
            await().atMost(WAIT).until(() -> poolRooms(worker.daily).size() == 2);
            Set<String> first = poolRooms(worker.daily);

            // then: they are deleted and replaced by new rooms (the pool stays full)
            await().atMost(WAIT).until(() -> worker.daily.deletedRoomNames().containsAll(first));
            await().atMost(WAIT).until(() -> poolRooms(worker.daily).size() == 2);
            assertThat(poolRooms(worker.daily)).doesNotContainAnyElementsOf(first);
            assertThat(worker.app.getBean(MeterRegistry.class).get("room.pool.replaced").counter().count())
                    .isGreaterThanOrEqualTo(2);
        }
    }

    @Test
    void shouldReleaseTheSessionOfAPooledRoomOnMeetingEnded() throws Exception {
        // given: a session in a pooled room
        WorkerHarness worker = poolOfOne();
        RoomPool pool = worker.app.getBean(RoomPool.class);
        await().atMost(WAIT).until(() -> pool.size() == 1);
        SessionAdmitted admitted = WorkerHarness.admitted("agent-pool-hook");
        worker.publish(admitted);
        await().atMost(WAIT).until(() -> worker.reply(admitted.sessionId()).isPresent());
        String room = roomName(worker.reply(admitted.sessionId()).orElseThrow());
        await().atMost(WAIT).until(() -> !worker.commandsFor(admitted.sessionId()).isEmpty());

        // when: Daily reports the meeting in that room ended
        String body = "{\"version\":\"1.0.0\",\"type\":\"meeting.ended\",\"id\":\"evt-pool-1\",\"payload\":"
                + "{\"room\":\"" + room + "\"},\"event_ts\":2}";
        HttpResponse<String> response = postWebhook(worker, body);

        // then: the session (not the room name) is released
        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.body()).contains("released");
        await().atMost(WAIT).until(() -> worker.commandsFor(admitted.sessionId()).size() == 2);
        assertThat(worker.commandsFor(admitted.sessionId()).get(1)).isInstanceOfSatisfying(ReleaseSession.class, r -> {
            assertThat(r.reason()).isEqualTo(EndReason.MEETING_ENDED);
            assertThat(r.agentId()).isEqualTo("agent-pool-hook");
        });
    }

    @Test
    void shouldPrefixPooledRoomsAndTurnParticipantWebhooksOfAPooledRoomIntoCommandsOfItsSession() throws Exception {
        try (WorkerHarness worker = new WorkerHarness(Map.of("room.pool.size", "1",
                "room.daily.room-name-prefix", "dep-p-"))) {
            // given: a session in a pooled room of deployment "dep-p-"
            await().atMost(WAIT).until(() -> worker.daily.liveRoomNames().stream()
                    .anyMatch(n -> n.startsWith("dep-p-") && RoomPool.isPoolRoomName(n.substring("dep-p-".length()))));
            SessionAdmitted admitted = WorkerHarness.admitted("agent-pool-part");
            String sessionId = admitted.sessionId();
            worker.publish(admitted);
            await().atMost(WAIT).until(() -> worker.reply(sessionId).isPresent());
            String dailyRoom = roomName(worker.reply(sessionId).orElseThrow());
            assertThat(dailyRoom).startsWith("dep-p-pool-");
            await().atMost(WAIT).until(() -> !worker.commandsFor(sessionId).isEmpty());

            // and: the user's self-signed token is for the prefixed room and carries the user's id
            String token = worker.reply(sessionId).orElseThrow().token();
            FakeDaily.SelfSignedToken claims = worker.daily.verifySelfSigned(token).orElseThrow();
            assertThat(claims.roomName()).isEqualTo(dailyRoom);
            String userId = "u-" + sessionId.substring(sessionId.length() - 26);
            assertThat(claims.userId()).isEqualTo(userId);
            assertThat(worker.daily.admits(dailyRoom, token)).isTrue();

            // when: Daily reports the user joined that room
            String body = "{\"version\":\"1.0.0\",\"type\":\"participant.joined\",\"id\":\"evt-pool-part-1\","
                    + "\"payload\":{\"room\":\"" + dailyRoom + "\",\"user_id\":\"" + userId
                    + "\",\"session_id\":\"participant-1\",\"joined_at\":1700000000},\"event_ts\":2}";
            HttpResponse<String> response = postWebhook(worker, body);

            // then: a participant command for the session (not the room name)
            assertThat(response.statusCode()).isEqualTo(200);
            assertThat(response.body()).contains("recorded");
            await().atMost(WAIT).until(() -> worker.commandsFor(sessionId).stream().anyMatch(ParticipantPresence.class::isInstance));
            assertThat(worker.commandsFor(sessionId)).filteredOn(ParticipantPresence.class::isInstance).singleElement()
                    .isInstanceOfSatisfying(ParticipantPresence.class, p -> {
                        assertThat(p.agentId()).isEqualTo("agent-pool-part");
                        assertThat(p.role()).isEqualTo(ParticipantPresence.Role.USER);
                        assertThat(p.change()).isEqualTo(ParticipantPresence.Change.JOINED);
                    });

            // and: the same pooled room without this deployment's prefix is not ours
            String unprefixed = dailyRoom.substring("dep-p-".length());
            String other = body.replace(dailyRoom, unprefixed).replace("evt-pool-part-1", "evt-pool-part-2");
            HttpResponse<String> ignored = postWebhook(worker, other);
            assertThat(ignored.statusCode()).isEqualTo(200);
            assertThat(ignored.body()).contains("ignored");
        }
    }

    @Test
    void shouldNeverReconcileAwayReadyPoolRoomsButDeleteAPooledRoomWhoseSessionIsGone() throws Exception {
        try (WorkerHarness worker = new WorkerHarness(Map.of("room.pool.size", "2", "room.reconcile-interval", "1s",
                "room.reconcile-grace", "1s"));
             KafkaProducer<String, RoomAssignment> producer = new KafkaProducer<>(
                     Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, TestKafka.bootstrapServers()),
                     worker.topics.roomAssignments().keySerde().serializer(),
                     worker.topics.roomAssignments().valueSerde().serializer())) {
            // given: a live session in a pooled room (so the worker owns the agent's partition), a full pool
            SessionAdmitted live = WorkerHarness.admitted("agent-pool-rec");
            await().atMost(WAIT).until(() -> poolRooms(worker.daily).size() == 2);
            worker.publish(live);
            await().atMost(WAIT).until(() -> worker.reply(live.sessionId()).isPresent());
            String liveRoom = roomName(worker.reply(live.sessionId()).orElseThrow());
            await().atMost(WAIT).until(() -> poolRooms(worker.daily).size() == 3);
            Set<String> ready = poolRooms(worker.daily).stream().filter(n -> !n.equals(liveRoom)).collect(Collectors.toSet());

            // and: a pooled room assigned to a session of that agent this worker does not know to be live
            String gone = SessionIds.newSessionId("agent-pool-rec");
            String orphan = "pool-" + "a".repeat(26);
            worker.daily.addRoom(orphan, Instant.now(), Map.of());
            producer.send(worker.topics.roomAssignments().record(gone, new RoomAssignment(gone, "agent-pool-rec",
                    orphan, "https://fake.daily.co/" + orphan, true, Instant.now()))).get();

            // then: the orphan goes, with its assignment; the live session's room and the ready rooms stay
            await().atMost(WAIT).until(() -> worker.daily.deletedRoomNames().contains(orphan));
            assertThat(worker.daily.liveRoomNames()).contains(liveRoom).containsAll(ready);
            assertThat(worker.daily.deletedRoomNames()).doesNotContain(liveRoom).doesNotContainAnyElementsOf(ready);
        }
    }

    private static Set<String> poolRooms(FakeDaily daily) {
        return daily.liveRoomNames().stream().filter(RoomPool::isPoolRoomName).collect(Collectors.toSet());
    }

    private static String roomName(SessionReply reply) {
        assertThat(reply.ok()).as("reply %s", reply).isTrue();
        return reply.roomUrl().substring(reply.roomUrl().lastIndexOf('/') + 1);
    }

    private static RoomAssignment assignmentOf(TopicRecorder<RoomAssignment> recorder, String sessionId) {
        return recorder.records().stream().filter(r -> r.key().equals(sessionId)).map(ConsumerRecord::value)
                .filter(Objects::nonNull).reduce((a, b) -> b).orElse(null);
    }

    private static List<SessionReply> repliesFor(WorkerHarness worker, String sessionId) {
        return worker.replies.values().stream().filter(r -> r.sessionId().equals(sessionId)).toList();
    }

    private HttpResponse<String> postWebhook(WorkerHarness worker, String body) throws Exception {
        String timestamp = String.valueOf(Instant.now().getEpochSecond());
        String signature = new WebhookSignature(worker.webhookSecret, Duration.ofMinutes(5), Clock.systemUTC())
                .signature(timestamp, body.getBytes(StandardCharsets.UTF_8));
        HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + worker.port() + "/v1/webhooks/daily"))
                .header("Content-Type", "application/json")
                .header("X-Webhook-Timestamp", timestamp)
                .header("X-Webhook-Signature", signature)
                .POST(HttpRequest.BodyPublishers.ofString(body))
                .build();
        return http.send(request, HttpResponse.BodyHandlers.ofString());
    }
}
