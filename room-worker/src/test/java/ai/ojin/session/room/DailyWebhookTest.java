package ai.ojin.session.room;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import ai.ojin.session.events.SessionIds;
import ai.ojin.session.events.command.EndReason;
import ai.ojin.session.events.command.ReleaseSession;
import ai.ojin.session.room.webhook.WebhookSignature;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** One worker for the class; each test posts events of sessions of its own and looks at the commands since it began. */
class DailyWebhookTest {

    private static final Duration WAIT = Duration.ofSeconds(60);
    private static WorkerHarness worker;
    private final HttpClient http = HttpClient.newHttpClient();

    @RegisterExtension
    static final SharedWorker SHARED = new SharedWorker(started -> worker = started);

    @Test
    void shouldReleaseTheSessionOnceForASignedMeetingEnded() throws Exception {
        // given
        int mark = worker.commandMark();
        String sessionId = SessionIds.newSessionId("agent-hook");
        String body = meetingEnded("evt-1", sessionId);

        // when: the same event arrives twice
        HttpResponse<String> first = post(worker, body, signed(worker, body, Instant.now()));
        HttpResponse<String> second = post(worker, body, signed(worker, body, Instant.now()));

        // then
        assertThat(first.statusCode()).isEqualTo(200);
        assertThat(second.statusCode()).isEqualTo(200);
        await().atMost(WAIT).until(() -> !worker.commandsFor(sessionId).isEmpty());
        assertThat(worker.commandsFor(sessionId)).singleElement().isInstanceOfSatisfying(ReleaseSession.class, r -> {
            assertThat(r.reason()).isEqualTo(EndReason.MEETING_ENDED);
            assertThat(r.agentId()).isEqualTo("agent-hook");
        });
        // a later, distinct event shows the duplicate was really dropped (not just slow)
        String other = SessionIds.newSessionId("agent-hook");
        String otherBody = meetingEnded("evt-2", other);
        assertThat(post(worker, otherBody, signed(worker, otherBody, Instant.now())).statusCode()).isEqualTo(200);
        await().atMost(WAIT).until(() -> !worker.commandsFor(other).isEmpty());
        assertThat(worker.commandsFor(sessionId)).hasSize(1);
        // every command of this test is keyed by the agent id
        assertThat(worker.commandsSince(mark)).isNotEmpty().allSatisfy(r -> assertThat(r.key()).isEqualTo("agent-hook"));
    }

    @Test
    void shouldRefuseForgedStaleAndUnsignedWebhooks() throws Exception {
        // given
        String sessionId = SessionIds.newSessionId("agent-forged");
        String body = meetingEnded("evt-f", sessionId);
        String[] forged = {"X-Webhook-Timestamp", String.valueOf(Instant.now().getEpochSecond()),
                "X-Webhook-Signature", "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA="};

        // when
        HttpResponse<String> forgedAnswer = post(worker, body, forged);
        HttpResponse<String> staleAnswer = post(worker, body, signed(worker, body, Instant.now().minusSeconds(301)));
        HttpResponse<String> unsignedAnswer = post(worker, body);

        // then
        for (HttpResponse<String> answer : new HttpResponse[] {forgedAnswer, staleAnswer, unsignedAnswer}) {
            assertThat(answer.statusCode()).isEqualTo(401);
            assertThat(answer.body()).contains("\"error_code\":\"auth_failed\"").contains("\"message\"");
        }
        // and a valid one afterwards still works, so the refusals were not just a broken endpoint
        String goodSession = SessionIds.newSessionId("agent-forged");
        String good = meetingEnded("evt-g", goodSession);
        assertThat(post(worker, good, signed(worker, good, Instant.now())).statusCode()).isEqualTo(200);
        await().atMost(WAIT).until(() -> !worker.commandsFor(goodSession).isEmpty());
        assertThat(worker.commandsFor(sessionId)).isEmpty();
    }

    @Test
    void shouldAnswerVerificationPingAndIgnoreRoomsNotOurs() throws Exception {
        // given
        int mark = worker.commandMark();

        // when
        HttpResponse<String> ping = post(worker, "{\"test\":\"test\"}");
        String foreign = meetingEnded("evt-x", "not a session id");
        HttpResponse<String> notOurs = post(worker, foreign, signed(worker, foreign, Instant.now()));
        String oursSession = SessionIds.newSessionId("agent-ping");
        String ours = meetingEnded("evt-y", oursSession);
        HttpResponse<String> marker = post(worker, ours, signed(worker, ours, Instant.now()));

        // then: of the three, only ours made a command
        assertThat(ping.statusCode()).isEqualTo(200);
        assertThat(notOurs.statusCode()).isEqualTo(200);
        assertThat(marker.statusCode()).isEqualTo(200);
        await().atMost(WAIT).until(() -> !worker.commandsFor(oursSession).isEmpty());
        assertThat(worker.commandsSince(mark)).singleElement()
                .satisfies(r -> assertThat(r.value().agentId()).isEqualTo("agent-ping"));
    }

    private static String meetingEnded(String id, String room) {
        return "{\"version\":\"1.0.0\",\"type\":\"meeting.ended\",\"id\":\"" + id + "\",\"payload\":{\"start_ts\":1,"
                + "\"end_ts\":2,\"meeting_id\":\"m-1\",\"room\":\"" + room + "\"},\"event_ts\":2}";
    }

    private static String[] signed(WorkerHarness worker, String body, Instant at) {
        String timestamp = String.valueOf(at.getEpochSecond());
        String signature = new WebhookSignature(worker.webhookSecret, Duration.ofMinutes(5), Clock.systemUTC())
                .signature(timestamp, body.getBytes(StandardCharsets.UTF_8));
        return new String[] {"X-Webhook-Timestamp", timestamp, "X-Webhook-Signature", signature};
    }

    private HttpResponse<String> post(WorkerHarness worker, String body, String... headers) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + worker.port() + "/v1/webhooks/daily"))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body));
        if (headers.length > 0) {
            request.headers(headers);
        }
        return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }
}
