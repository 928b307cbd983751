package ai.ojin.session.room;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import ai.ojin.session.events.SessionIds;
import ai.ojin.session.events.fact.SessionEnded;
import ai.ojin.session.events.command.EndReason;
import ai.ojin.session.events.command.MarkStarted;
import ai.ojin.session.events.fact.SessionAdmitted;
import ai.ojin.session.events.fact.SessionDequeued;
import ai.ojin.session.events.fact.SessionQueued;
import ai.ojin.session.events.fact.SessionRepeated;
import ai.ojin.session.events.fact.SessionStarted;
import ai.ojin.session.events.reply.ErrorCode;
import ai.ojin.session.events.reply.SessionReply;
import ai.ojin.session.events.room.RoomAssignment;
import ai.ojin.session.room.assignment.RoomAssignments;
import ai.ojin.session.testkit.FakeDaily;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Connects repeated with a session's {@code Idempotency-Key} ({@code repeated} facts): the room
 * and a fresh token for it, correlated to the repeat; {@code session_ended} after the end; no answer
 * after the repeat's deadline; several repeats and a redelivery, pooled
 * rooms' join window, and the facts of the agent's waiting line ({@code queued}, {@code dequeued}), on a real broker with a fake
 * Daily. One worker for the class, each test on agents of its own.
 */
class RepeatedConnectTest {

    private static final Duration WAIT = Duration.ofSeconds(60);
    private static WorkerHarness worker;

    @RegisterExtension
    static final SharedWorker SHARED = new SharedWorker(started -> worker = started);

    @Test
    void shouldAnswerEveryRepeatOfTheSameSessionAndAgainWhenAFactIsRedelivered() {
        // given
        SessionStarted started = setUpAndStart("agent-repeat-many");
        String first = SessionIds.newSessionId("agent-repeat-many");
        String second = SessionIds.newSessionId("agent-repeat-many");
        SessionRepeated firstRepeat = repeated(started, first, 2, WorkerHarness.INSTANCE, Instant.now().plusSeconds(20));

        // when: two repeats, the first delivered twice
        worker.publish(firstRepeat, repeated(started, second, 0, WorkerHarness.INSTANCE, Instant.now().plusSeconds(20)),
                firstRepeat);

        // then: each repeat is answered with the same room; the redelivered one twice (the caller takes the first)
        await().atMost(WAIT).until(() -> repliesTo(first).size() == 2 && repliesTo(second).size() == 1);
        assertThat(List.of(repliesTo(first).get(0), repliesTo(first).get(1), repliesTo(second).get(0)))
                .allSatisfy(r -> {
                    assertThat(r.value().ok()).isTrue();
                    assertThat(r.value().roomUrl()).isEqualTo(started.roomUrl());
                });
        assertThat(repliesTo(second).get(0).partition()).isZero();
    }

    @Test
    void shouldKeepAPooledRoomsTokenWithinTheJoinWindowOfItsAssignmentAndRefuseOnceItIsOver() throws Exception {
        try (WorkerHarness pooled = new WorkerHarness(Map.of("room.pool.size", "1", "room.token-join-window", "10s"))) {
            // given: a session set up in a pooled room (reused once every token of the session expired)
            SessionStarted started = setUpAndStart(pooled, "agent-repeat-pooled");
            RoomAssignment assignment = pooled.app.getBean(RoomAssignments.class).ofSession(started.sessionId())
                    .orElseThrow();
            assertThat(assignment.pooled()).isTrue();
            Instant joinBy = assignment.assignedAt().plusSeconds(10);
            String inWindow = SessionIds.newSessionId("agent-repeat-pooled");
            String afterWindow = SessionIds.newSessionId("agent-repeat-pooled");

            // when: repeated within the join window
            pooled.publish(repeated(started, inWindow, 2, WorkerHarness.INSTANCE, Instant.now().plusSeconds(20)));

            // then: a token of that room, joinable only until the window of the room's assignment ends
            await().atMost(WAIT).until(() -> !repliesTo(pooled, inWindow).isEmpty());
            SessionReply reply = repliesTo(pooled, inWindow).get(0).value();
            assertThat(reply.ok()).isTrue();
            FakeDaily.SelfSignedToken token = pooled.daily.verifySelfSigned(reply.token()).orElseThrow();
            assertThat(token.roomName()).isEqualTo(assignment.roomName());
            assertThat(token.exp()).isEqualTo(joinBy.getEpochSecond());

            // when: repeated once that window is over
            await().atMost(WAIT).until(() -> Instant.now().isAfter(joinBy));
            pooled.publish(repeated(started, afterWindow, 2, WorkerHarness.INSTANCE, Instant.now().plusSeconds(20)));

            // then: no token that could outlive the room's reuse: session_ended
            await().atMost(WAIT).until(() -> !repliesTo(pooled, afterWindow).isEmpty());
            SessionReply refused = repliesTo(pooled, afterWindow).get(0).value();
            assertThat(refused.errorCode()).isEqualTo(ErrorCode.SESSION_ENDED);
            assertThat(refused.token()).isNull();
            assertThat(refused.instanceId()).isEqualTo(WorkerHarness.INSTANCE);
        }
    }

    @Test
    void shouldIgnoreTheLineFactsAndSetUpAWaiterOnceAdmitted() {
        // given: a waiter queued, then dequeued admitted with its admission (the processor's transaction)
        SessionAdmitted admitted = WorkerHarness.admitted("agent-waiter");
        String id = admitted.sessionId();
        Instant queuedAt = Instant.now().minusSeconds(5);
        SessionQueued queued = new SessionQueued(id, admitted.agentId(), queuedAt, 1, queuedAt.plusSeconds(30), 5, 5);
        SessionDequeued dequeued = new SessionDequeued(id, admitted.agentId(), Instant.now(),
                SessionDequeued.Outcome.ADMITTED, queuedAt);
        SessionAdmitted gone = WorkerHarness.admitted("agent-waiter");
        SessionQueued goneQueued = new SessionQueued(gone.sessionId(), gone.agentId(), queuedAt, 2,
                queuedAt.plusSeconds(30), 5, 5);
        SessionDequeued goneDequeued = new SessionDequeued(gone.sessionId(), gone.agentId(), Instant.now(),
                SessionDequeued.Outcome.GONE, queuedAt);

        // when
        worker.publish(queued, goneQueued, dequeued, admitted, goneDequeued);

        // then: the admitted waiter is set up like any admission; the line facts cause nothing
        await().atMost(WAIT).until(() -> worker.reply(id).isPresent() && !worker.commandsFor(id).isEmpty());
        assertThat(worker.reply(id).orElseThrow().ok()).isTrue();
        assertThat(worker.commandsFor(id)).singleElement().isInstanceOf(MarkStarted.class);
        assertThat(worker.reply(gone.sessionId())).isEmpty();
        assertThat(worker.commandsFor(gone.sessionId())).isEmpty();
        assertThat(worker.daily.room(gone.sessionId())).isEmpty();
    }

    @Test
    void shouldAnswerARepeatWithTheSessionsRoomAndAFreshTokenForIt() {
        // given: a session set up by this worker
        SessionAdmitted admitted = WorkerHarness.admitted("agent-repeat");
        String id = admitted.sessionId();
        worker.publish(admitted);
        await().atMost(WAIT).until(() -> worker.reply(id).isPresent());
        SessionReply first = worker.reply(id).orElseThrow();

        // when: a repeat waits on partition 1 under its own id
        worker.publish(repeatedOf(admitted, "repeat-1", 1, Instant.now().plusSeconds(20)));

        // then
        ConsumerRecord<String, SessionReply> answer = awaitAnswer("repeat-1");
        assertThat(answer.partition()).isEqualTo(1);
        SessionReply reply = answer.value();
        assertThat(reply.ok()).isTrue();
        assertThat(reply.sessionId()).isEqualTo(id);
        assertThat(reply.waitingId()).isEqualTo("repeat-1");
        assertThat(reply.roomUrl()).isEqualTo(first.roomUrl());
        assertThat(reply.instanceId()).isEqualTo("api-b");
        assertThat(worker.daily.admits(id, reply.token())).as("the repeat's token joins the session's room").isTrue();
        FakeDaily.SelfSignedToken token = worker.daily.verifySelfSigned(reply.token()).orElseThrow();
        FakeDaily.SelfSignedToken firstToken = worker.daily.verifySelfSigned(first.token()).orElseThrow();
        assertThat(token.userId()).as("the user's id, so webhooks tell the user from the bot").isEqualTo(firstToken.userId());
        assertThat(token.exp()).as("joinable from the repeat on").isGreaterThanOrEqualTo(firstToken.exp());
        assertThat(worker.daily.createdRoomNames()).containsOnlyOnce(id);
    }

    @Test
    void shouldAnswerSessionEndedForARepeatOfASessionThatEnded() {
        // given: a session set up, then ended
        SessionAdmitted admitted = WorkerHarness.admitted("agent-repeat-ended");
        String id = admitted.sessionId();
        worker.publish(admitted);
        await().atMost(WAIT).until(() -> worker.reply(id).isPresent());
        worker.publish(new SessionEnded(id, admitted.agentId(), Instant.now(), EndReason.END_CALL, 0));

        // when
        worker.publish(repeatedOf(admitted, "repeat-ended", 0, Instant.now().plusSeconds(20)));

        // then
        SessionReply reply = awaitAnswer("repeat-ended").value();
        assertThat(reply.errorCode()).isEqualTo(ErrorCode.SESSION_ENDED);
        assertThat(reply.token()).isNull();
    }

    @Test
    void shouldNotAnswerARepeatWhoseCallerStoppedWaiting() {
        // given: a session set up, and a repeat whose deadline passed, then one still waited for
        SessionAdmitted admitted = WorkerHarness.admitted("agent-repeat-late");
        worker.publish(admitted);
        await().atMost(WAIT).until(() -> worker.reply(admitted.sessionId()).isPresent());

        // when
        worker.publish(repeatedOf(admitted, "repeat-late", 0, Instant.now().minusSeconds(1)),
                repeatedOf(admitted, "repeat-after", 0, Instant.now().plusSeconds(20)));

        // then: the one after is answered, the late one never
        awaitAnswer("repeat-after");
        assertThat(answers("repeat-late")).isEmpty();
    }

    private static SessionRepeated repeatedOf(SessionAdmitted admitted, String correlationId, int partition, Instant deadline) {
        String id = admitted.sessionId();
        return new SessionRepeated(id, admitted.agentId(), Instant.now(), correlationId, partition, "api-b", deadline, id,
                "https://fake.daily.co/" + id, admitted.maxSessionSeconds());
    }

    private static ConsumerRecord<String, SessionReply> awaitAnswer(String correlationId) {
        await().atMost(WAIT).until(() -> !answers(correlationId).isEmpty());
        return answers(correlationId).get(0);
    }

    private static List<ConsumerRecord<String, SessionReply>> answers(String correlationId) {
        return worker.replies.records().stream().filter(r -> correlationId.equals(r.value().correlationId())).toList();
    }

    /** A session of a new agent admitted, set up by the worker, and its started fact read. */
    private static SessionStarted setUpAndStart(String agentId) {
        return setUpAndStart(worker, agentId);
    }

    private static SessionStarted setUpAndStart(WorkerHarness on, String agentId) {
        SessionAdmitted admitted = WorkerHarness.admitted(agentId);
        String id = admitted.sessionId();
        on.publish(admitted);
        await().atMost(WAIT).until(() -> on.reply(id).isPresent() && !on.commandsFor(id).isEmpty());
        MarkStarted mark = on.commandsFor(id).stream().filter(MarkStarted.class::isInstance)
                .map(MarkStarted.class::cast).findFirst().orElseThrow();
        SessionStarted started = new SessionStarted(id, agentId, Instant.now(), mark.roomName(), mark.roomUrl(),
                Instant.now().plusSeconds(60));
        on.publish(started);
        return started;
    }

    private static SessionRepeated repeated(SessionStarted started, String correlationId, int partition,
                                            String instanceId, Instant deadline) {
        return new SessionRepeated(started.sessionId(), started.agentId(), Instant.now(), correlationId, partition,
                instanceId, deadline, started.roomName(), started.roomUrl(), 600);
    }

    private static List<ConsumerRecord<String, SessionReply>> repliesTo(String waitingId) {
        return repliesTo(worker, waitingId);
    }

    private static List<ConsumerRecord<String, SessionReply>> repliesTo(WorkerHarness on, String waitingId) {
        return on.replies.records().stream().filter(r -> r.value().waitingId().equals(waitingId)).toList();
    }

    /** Daily's room calls (create, get, update) so far. */
    private static int roomCalls() {
        return (int) worker.daily.requests().stream().filter(r -> r.path().startsWith("/v1/rooms")).count();
    }
}
