package ai.ojin.session.connect.reply;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import ai.ojin.session.connect.support.RunningApi;
import ai.ojin.session.connect.support.ScriptedReplies;
import ai.ojin.session.connect.support.TestPipeline;
import ai.ojin.session.events.command.EndReason;
import ai.ojin.session.events.command.ReleaseSession;
import ai.ojin.session.events.command.RequestSession;
import ai.ojin.session.events.command.SessionCommand;
import ai.ojin.session.events.json.Json;
import ai.ojin.session.events.reply.SessionReply;
import ai.ojin.session.events.topic.SessionTopics;
import ai.ojin.session.testkit.TestKafka;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

/**
 * Success replies no waiting request takes: released as {@code abandoned} by the instance that
 * asked, exactly once, never for a session it answered, never for another instance's request; and
 * after a restart the instance continues its reply partition where it stopped.
 */
class UnclaimedRepliesTest {

    private static final Duration WAIT = Duration.ofSeconds(30);

    @Test
    void shouldReleaseASessionOnceWhenItsReplyCameAfterTheCallerGotItsTimeout() throws Exception {
        // given: an instance that waits 1 s, and a pipeline that answers this agent only later, by hand
        SessionTopics topics = TestKafka.newTopics();
        try (TestPipeline pipeline = TestPipeline.start(topics, new ScriptedReplies());
                RunningApi api = RunningApi.start(topics, Map.of("connect.reply-partition", "1",
                        "connect.reply-timeout", "1s"))) {
            api.putAgent("mute-late", "published", List.of("*"), 5);
            HttpResponse<String> timedOut = api.send(api.connect("{\"agent_id\":\"mute-late\"}", null));
            RequestSession request = only(pipeline, RequestSession.class);

            // when: the success comes after the deadline (the timeout already released the session)
            pipeline.reply(1, SessionReply.success(request.sessionId(), "https://rooms.test/x", "tok", request.instanceId()));
            // and a reply nobody waits for behind it (same agent: its release follows in order)
            String marker = "mute-late_" + "m".repeat(26);
            pipeline.reply(1, SessionReply.success(marker, "https://rooms.test/m", "tok-m", request.instanceId()));
            await().atMost(WAIT).until(() -> !releasesOf(pipeline, marker).isEmpty());

            // then: one release, the timeout's
            assertThat(timedOut.statusCode()).isEqualTo(500);
            assertThat(releasesOf(pipeline, request.sessionId())).singleElement()
                    .satisfies(r -> assertThat(r.reason()).isEqualTo(EndReason.ABANDONED));
        }
    }

    @Test
    void shouldKeepASessionWhoseCallerWasAnsweredWhenASecondSuccessReplyComes() throws Exception {
        // given: a connect answered 200
        SessionTopics topics = TestKafka.newTopics();
        try (TestPipeline pipeline = TestPipeline.start(topics, new ScriptedReplies());
                RunningApi api = RunningApi.start(topics, Map.of("connect.reply-partition", "2"))) {
            api.putAgent("twice-agent", "published", List.of("*"), 5);
            HttpResponse<String> answered = api.send(api.connect("{\"agent_id\":\"twice-agent\"}", null));
            assertThat(answered.statusCode()).as(answered.body()).isEqualTo(200);
            String sessionId = Json.MAPPER.readTree(answered.body()).get("session_id").asString();
            RequestSession request = only(pipeline, RequestSession.class);

            // when: the worker set the session up again (a redelivered admission) and replies again
            pipeline.reply(2, SessionReply.success(sessionId, ScriptedReplies.roomUrl(sessionId),
                    ScriptedReplies.token(sessionId), request.instanceId()));
            // and a reply nobody waits for, of this instance, as a marker behind it
            String marker = "twice-agent_" + "m".repeat(26);
            pipeline.reply(2, SessionReply.success(marker, "https://rooms.test/m", "tok-m", request.instanceId()));

            // then: only the marker is released
            await().atMost(WAIT).until(() -> !releasesOf(pipeline, marker).isEmpty());
            assertThat(releasesOf(pipeline, sessionId)).isEmpty();
            assertThat(api.bean(ReplyListener.class).unmatchedCount()).isEqualTo(2);
        }
    }

    @Test
    void shouldNeverReleaseRepliesAskedForByAnotherInstanceOrByNoInstance() throws Exception {
        // given: an instance with a name of its own
        SessionTopics topics = TestKafka.newTopics();
        try (TestPipeline pipeline = TestPipeline.start(topics, new ScriptedReplies());
                RunningApi api = RunningApi.start(topics, Map.of("connect.reply-partition", "3",
                        "connect.instance-id", "instance-a"))) {
            String other = "agent-x_" + "o".repeat(26);
            String unnamed = "agent-x_" + "n".repeat(26);
            String own = "agent-x_" + "a".repeat(26);

            // when: success replies on its partition asked for by another instance, by none, and by itself
            pipeline.reply(3, SessionReply.success(other, "https://rooms.test/o", "tok-o", "instance-b"));
            pipeline.reply(3, SessionReply.success(unnamed, "https://rooms.test/n", "tok-n"));
            pipeline.reply(3, SessionReply.success(own, "https://rooms.test/a", "tok-a", "instance-a"));

            // then: only its own is released
            await().atMost(WAIT).until(() -> !releasesOf(pipeline, own).isEmpty());
            assertThat(releasesOf(pipeline, other)).isEmpty();
            assertThat(releasesOf(pipeline, unnamed)).isEmpty();
            assertThat(releasesOf(pipeline, own)).singleElement().satisfies(r -> {
                assertThat(r.reason()).isEqualTo(EndReason.ABANDONED);
                assertThat(r.agentId()).isEqualTo("agent-x");
            });
        }
    }

    @Test
    void shouldReleaseAfterARestartTheSessionAdmittedWhileItsCallerWaitedAndKeepTheAnsweredOnes() throws Exception {
        // given: an instance (stopped at once, like a crash, not after its requests drain)
        SessionTopics topics = TestKafka.newTopics();
        Map<String, String> settings = Map.of("connect.reply-partition", "1", "connect.instance-id", "restarting",
                "connect.reply-timeout", "30s", "server.shutdown", "immediate");
        try (TestPipeline pipeline = TestPipeline.start(topics, new ScriptedReplies())) {
            RunningApi first = RunningApi.start(topics, settings);
            first.putAgent("mute-held", "published", List.of("*"), 5);
            first.putAgent("plain-agent", "published", List.of("*"), 5);
            HttpResponse<String> answered = first.send(first.connect("{\"agent_id\":\"plain-agent\"}", null));
            assertThat(answered.statusCode()).isEqualTo(200);
            String answeredId = Json.MAPPER.readTree(answered.body()).get("session_id").asString();
            CompletableFuture<HttpResponse<String>> waiting = first.http().sendAsync(
                    first.connect("{\"agent_id\":\"mute-held\"}", null).build(), HttpResponse.BodyHandlers.ofString());
            await().atMost(WAIT).until(() -> pipeline.commands().stream()
                    .anyMatch(c -> c instanceof RequestSession r && r.agentId().equals("mute-held")));
            RequestSession held = pipeline.commands().stream().filter(RequestSession.class::isInstance)
                    .map(RequestSession.class::cast).filter(r -> r.agentId().equals("mute-held")).findFirst().orElseThrow();

            // when: the instance stops while that caller waits, the set-up succeeds meanwhile, and it starts again
            first.close();
            waiting.handle((r, e) -> null).get();
            pipeline.reply(1, SessionReply.success(held.sessionId(), "https://rooms.test/h", "tok-h", held.instanceId()));
            try (RunningApi second = RunningApi.start(topics, settings)) {

                // then: the held session is released as abandoned; the answered one is not
                await().atMost(WAIT).until(() -> !releasesOf(pipeline, held.sessionId()).isEmpty());
                assertThat(releasesOf(pipeline, held.sessionId())).singleElement()
                        .satisfies(r -> assertThat(r.reason()).isEqualTo(EndReason.ABANDONED));
                assertThat(releasesOf(pipeline, answeredId)).isEmpty();
                assertThat(second.bean(ReplyListener.class).receivedCount()).as("continued after the answered reply")
                        .isEqualTo(1);
            }
        }
    }

    private static <T extends SessionCommand> T only(TestPipeline pipeline, Class<T> type) {
        await().atMost(WAIT).until(() -> pipeline.commands().stream().anyMatch(type::isInstance));
        return pipeline.commands().stream().filter(type::isInstance).map(type::cast).findFirst().orElseThrow();
    }

    private static List<ReleaseSession> releasesOf(TestPipeline pipeline, String sessionId) {
        return pipeline.commands().stream().filter(ReleaseSession.class::isInstance).map(ReleaseSession.class::cast)
                .filter(r -> r.sessionId().equals(sessionId)).toList();
    }
}
