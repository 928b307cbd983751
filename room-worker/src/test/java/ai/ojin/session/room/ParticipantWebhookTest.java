package ai.ojin.session.room;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import ai.ojin.session.events.SessionIds;
import ai.ojin.session.events.command.ParticipantPresence;
import ai.ojin.session.events.command.ParticipantPresence.Change;
import ai.ojin.session.events.command.ParticipantPresence.Role;
import ai.ojin.session.testkit.DailyWebhooks;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Daily's {@code participant.joined} / {@code participant.left} webhooks become participant
 * commands keyed by agent id, the role told by the meeting token's {@code user_id}; same signature
 * and duplicate rules as {@code meeting.ended}.
 */
class ParticipantWebhookTest {

    private static final Duration WAIT = Duration.ofSeconds(60);
    /** One worker for the class; each test posts events of sessions of its own. */
    private static WorkerHarness worker;

    @RegisterExtension
    static final SharedWorker SHARED = new SharedWorker(started -> worker = started);

    @Test
    void shouldTurnSignedParticipantWebhooksIntoCommandsWithTheRoleOfTheToken() throws Exception {
        // given
        DailyWebhooks daily = webhooks(worker);
        String sessionId = SessionIds.newSessionId("agent-join");
        String random = sessionId.substring(sessionId.length() - 26);
        Instant joinedAt = Instant.now().minusSeconds(70);
        String userJoined = DailyWebhooks.participantJoined("evt-j1", sessionId, "u-" + random, "p-user", joinedAt);

        // when: the user joins (delivered twice), the bot joins, the user leaves after 65 s
        assertThat(daily.post(userJoined).statusCode()).isEqualTo(200);
        assertThat(daily.post(userJoined).statusCode()).isEqualTo(200);
        daily.send(DailyWebhooks.participantJoined("evt-j2", sessionId, "b-" + random, "p-bot", joinedAt));
        daily.send(DailyWebhooks.participantLeft("evt-l1", sessionId, "u-" + random, "p-user", joinedAt, 65));

        // then: three commands, in order, keyed by the agent id
        await().atMost(WAIT).until(() -> worker.commandsFor(sessionId).size() >= 3);
        assertThat(worker.commandsFor(sessionId)).hasSize(3).allSatisfy(c -> assertThat(c).isInstanceOf(ParticipantPresence.class));
        assertThat(worker.commandsFor(sessionId)).map(ParticipantPresence.class::cast)
                .extracting(ParticipantPresence::role, ParticipantPresence::change, ParticipantPresence::participantId)
                .containsExactly(
                        org.assertj.core.groups.Tuple.tuple(Role.USER, Change.JOINED, "p-user"),
                        org.assertj.core.groups.Tuple.tuple(Role.BOT, Change.JOINED, "p-bot"),
                        org.assertj.core.groups.Tuple.tuple(Role.USER, Change.LEFT, "p-user"));
        ParticipantPresence left = (ParticipantPresence) worker.commandsFor(sessionId).get(2);
        assertThat(left.at()).isEqualTo(Instant.ofEpochSecond(joinedAt.getEpochSecond() + 65));
        assertThat(left.agentId()).isEqualTo("agent-join");
        assertThat(worker.commands.records()).filteredOn(r -> r.value().sessionId().equals(sessionId)).hasSize(3)
                .allSatisfy(r -> assertThat(r.key()).isEqualTo("agent-join"));
    }

    @Test
    void shouldIgnoreParticipantsWhoseTokenIsNotTheSessionsAndRefuseUnsignedOnes() throws Exception {
        // given
        int mark = worker.commandMark();
        DailyWebhooks daily = webhooks(worker);
        DailyWebhooks forger = new DailyWebhooks(url(worker), java.util.Base64.getEncoder().encodeToString("other".getBytes()));
        String sessionId = SessionIds.newSessionId("agent-strangers");
        String otherRandom = SessionIds.newSessionId("x").substring(2);
        Instant now = Instant.now();

        // when: a token of another session, a user_id of no role, a foreign room, a forged signature
        HttpResponse<String> otherSession = daily.post(
                DailyWebhooks.participantJoined("evt-a", sessionId, "u-" + otherRandom, "p1", now));
        HttpResponse<String> noRole = daily.post(
                DailyWebhooks.participantJoined("evt-b", sessionId, "someone", "p2", now));
        HttpResponse<String> foreignRoom = daily.post(
                DailyWebhooks.participantJoined("evt-c", "lobby", "u-" + otherRandom, "p3", now));
        HttpResponse<String> forged = forger.post(DailyWebhooks.participantJoined("evt-d", sessionId,
                "u-" + sessionId.substring(sessionId.length() - 26), "p4", now));
        // and a valid marker afterwards
        String marker = SessionIds.newSessionId("agent-strangers");
        daily.send(DailyWebhooks.participantJoined("evt-e", marker, "u-" + marker.substring(marker.length() - 26), "p5", now));

        // then
        assertThat(otherSession.statusCode()).isEqualTo(200);
        assertThat(noRole.statusCode()).isEqualTo(200);
        assertThat(foreignRoom.statusCode()).isEqualTo(200);
        assertThat(forged.statusCode()).isEqualTo(401);
        await().atMost(WAIT).until(() -> !worker.commandsFor(marker).isEmpty());
        assertThat(worker.commandsFor(sessionId)).isEmpty();
        assertThat(worker.commandsSince(mark)).as("commands of this test: the marker's only").hasSize(1);
    }

    private static DailyWebhooks webhooks(WorkerHarness worker) {
        return new DailyWebhooks(url(worker), worker.webhookSecret);
    }

    private static String url(WorkerHarness worker) {
        return "http://127.0.0.1:" + worker.port() + "/v1/webhooks/daily";
    }
}
