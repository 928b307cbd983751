package ai.ojin.session.connect.reply;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import ai.ojin.session.connect.support.RunningApi;
import ai.ojin.session.connect.support.ScriptedReplies;
import ai.ojin.session.connect.support.TestPipeline;
import ai.ojin.session.events.command.EndReason;
import ai.ojin.session.events.command.ReleaseSession;
import ai.ojin.session.events.command.RequestSession;
import ai.ojin.session.events.json.Json;
import ai.ojin.session.events.reply.SessionReply;
import ai.ojin.session.events.topic.SessionTopics;
import ai.ojin.session.testkit.TestKafka;
import io.micrometer.core.instrument.MeterRegistry;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

/**
 * A reply partition moves to a new instance while callers of the old owner wait on it: those
 * callers are answered once (500 at the move, their sessions released as abandoned), the new owner
 * ignores their late replies, and callers on the partitions the old owner keeps get their reply.
 */
class ReplyPartitionMoveTest {

    private static final Duration WAIT = Duration.ofSeconds(60);

    @Test
    void shouldAnswerEveryWaitingCallerOnceWhenItsReplyPartitionMovesToAnotherInstance() throws Exception {
        // given: one instance owning all four reply partitions, and callers waiting on each of them
        SessionTopics topics = TestKafka.newTopics();
        Map<String, String> slow = Map.of("connect.reply-timeout", "45s");
        try (TestPipeline pipeline = TestPipeline.start(topics, new ScriptedReplies());
                RunningApi first = RunningApi.start(topics, with(slow, "connect.instance-id", "first"))) {
            await().atMost(WAIT).until(() -> first.bean(ReplyListener.class).ownedPartitions().size() == 4);
            first.putAgent("mute-move", "published", List.of("*"), 100);
            List<CompletableFuture<HttpResponse<String>>> callers = new ArrayList<>();
            for (int i = 0; i < 8; i++) {
                callers.add(first.http().sendAsync(first.connect("{\"agent_id\":\"mute-move\"}", null).build(),
                        HttpResponse.BodyHandlers.ofString()));
            }
            await().atMost(WAIT).until(() -> requests(pipeline).size() == 8);
            assertThat(requests(pipeline)).extracting(RequestSession::replyPartition).containsOnly(0, 1, 2, 3);

            // when: a second instance joins the group and takes some of the partitions
            try (RunningApi second = RunningApi.start(topics, with(slow, "connect.instance-id", "second"))) {
                await().atMost(WAIT).until(() -> !second.bean(ReplyListener.class).ownedPartitions().isEmpty()
                        && first.bean(ReplyListener.class).ownedPartitions().size()
                        + second.bean(ReplyListener.class).ownedPartitions().size() == 4);
                Set<Integer> moved = second.bean(ReplyListener.class).ownedPartitions();
                Set<Integer> kept = first.bean(ReplyListener.class).ownedPartitions();
                assertThat(kept).isNotEmpty().doesNotContainAnyElementsOf(moved);
                List<RequestSession> onMoved = requests(pipeline).stream().filter(r -> moved.contains(r.replyPartition())).toList();
                List<RequestSession> onKept = requests(pipeline).stream().filter(r -> kept.contains(r.replyPartition())).toList();

                // then: the callers on moved partitions got 500 long before their 45 s timeout, and their sessions are released
                await().atMost(Duration.ofSeconds(20)).until(() -> callers.stream().filter(CompletableFuture::isDone).count()
                        == onMoved.size());
                for (RequestSession request : onMoved) {
                    await().atMost(WAIT).until(() -> releasesOf(pipeline, request.sessionId()).size() == 1);
                    assertThat(releasesOf(pipeline, request.sessionId()).get(0).reason()).isEqualTo(EndReason.ABANDONED);
                }
                List<HttpResponse<String>> done = callers.stream().filter(CompletableFuture::isDone).map(CompletableFuture::join).toList();
                assertThat(done).hasSize(onMoved.size()).allSatisfy(r -> assertThat(r.statusCode()).isEqualTo(500));

                // and when: the pipeline answers every request on the partition each one named
                for (RequestSession request : requests(pipeline)) {
                    pipeline.reply(request.replyPartition(), SessionReply.success(request.sessionId(),
                            ScriptedReplies.roomUrl(request.sessionId()), ScriptedReplies.token(request.sessionId()),
                            request.instanceId()));
                }

                // then: the callers on kept partitions get their room; nobody is answered twice
                List<HttpResponse<String>> all = callers.stream().map(CompletableFuture::join).toList();
                assertThat(all).filteredOn(r -> r.statusCode() == 200).hasSize(onKept.size())
                        .extracting(r -> Json.MAPPER.readTree(r.body()).get("session_id").asString())
                        .containsExactlyInAnyOrderElementsOf(onKept.stream().map(RequestSession::sessionId).toList());
                assertThat(all).filteredOn(r -> r.statusCode() == 500).hasSize(onMoved.size());
                // and the new owner ignores the late replies (they name the first instance): no second release
                await().atMost(WAIT).until(() -> unclaimed(second, "other_instance") >= onMoved.size());
                for (RequestSession request : onMoved) {
                    assertThat(releasesOf(pipeline, request.sessionId())).hasSize(1);
                }
                for (RequestSession request : onKept) {
                    assertThat(releasesOf(pipeline, request.sessionId())).isEmpty();
                }
                assertThat(first.bean(PendingReplies.class).size()).isZero();
            }
        }
    }

    private static double unclaimed(RunningApi api, String outcome) {
        var counter = api.bean(MeterRegistry.class).find("connect.replies.unclaimed").tag("outcome", outcome).counter();
        return counter == null ? 0 : counter.count();
    }

    private static Map<String, String> with(Map<String, String> base, String key, String value) {
        Map<String, String> all = new java.util.HashMap<>(base);
        all.put(key, value);
        return all;
    }

    private static List<RequestSession> requests(TestPipeline pipeline) {
        return pipeline.commands().stream().filter(RequestSession.class::isInstance).map(RequestSession.class::cast)
                .filter(r -> r.agentId().equals("mute-move")).toList();
    }

    private static List<ReleaseSession> releasesOf(TestPipeline pipeline, String sessionId) {
        return pipeline.commands().stream().filter(ReleaseSession.class::isInstance).map(ReleaseSession.class::cast)
                .filter(r -> r.sessionId().equals(sessionId)).toList();
    }
}
