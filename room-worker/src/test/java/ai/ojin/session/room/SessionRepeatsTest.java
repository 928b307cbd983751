package ai.ojin.session.room;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import ai.ojin.session.events.command.EndReason;
import ai.ojin.session.events.fact.SessionAdmitted;
import ai.ojin.session.events.fact.SessionEnded;
import ai.ojin.session.events.fact.SessionRepeated;
import ai.ojin.session.events.reply.ErrorCode;
import ai.ojin.session.events.reply.SessionReply;
import ai.ojin.session.testkit.FakeDaily;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The worker answers a connect repeated with a session's {@code Idempotency-Key} (the
 * {@code repeated} fact): the session's room and a fresh token for it, on the repeat's reply
 * partition and correlated to the id the repeat waits under; {@code session_ended} once the
 * session ended; nothing after the repeat's deadline.
 */
class SessionRepeatsTest {

    private static final Duration WAIT = Duration.ofSeconds(60);
    private static WorkerHarness worker;

    @BeforeAll
    static void startWorker() {
        worker = new WorkerHarness();
    }

    @AfterEach
    void clearFaults() {
        worker.clearFaults();
    }

    @AfterAll
    static void stopWorker() throws Exception {
        worker.close();
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
        worker.publish(repeated(admitted, "repeat-1", 1, Instant.now().plusSeconds(20)));

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
        worker.publish(repeated(admitted, "repeat-ended", 0, Instant.now().plusSeconds(20)));

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
        worker.publish(repeated(admitted, "repeat-late", 0, Instant.now().minusSeconds(1)),
                repeated(admitted, "repeat-after", 0, Instant.now().plusSeconds(20)));

        // then: the one after is answered, the late one never
        awaitAnswer("repeat-after");
        assertThat(answers("repeat-late")).isEmpty();
    }

    private static SessionRepeated repeated(SessionAdmitted admitted, String correlationId, int partition, Instant deadline) {
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
}
