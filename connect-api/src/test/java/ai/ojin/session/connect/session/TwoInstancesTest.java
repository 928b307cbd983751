package ai.ojin.session.connect.session;

import static org.assertj.core.api.Assertions.assertThat;

import ai.ojin.session.connect.reply.PendingReplies;
import ai.ojin.session.connect.reply.ReplyListener;
import ai.ojin.session.connect.support.RunningApi;
import ai.ojin.session.connect.support.ScriptedReplies;
import ai.ojin.session.connect.support.TestPipeline;
import ai.ojin.session.events.command.RequestSession;
import ai.ojin.session.events.json.Json;
import ai.ojin.session.events.topic.SessionTopics;
import ai.ojin.session.testkit.TestKafka;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/**
 * Two instances on one broker, neither with a reply partition set: they share the partitions of
 * {@code session-replies} through group membership, each request names a partition of its own
 * instance, and each instance gets only its own replies.
 */
class TwoInstancesTest {

    private static final int PER_INSTANCE = 25;

    @Test
    void shouldRouteEachReplyToTheInstanceThatWaits() throws Exception {
        // given
        SessionTopics topics = TestKafka.newTopics();
        try (TestPipeline pipeline = TestPipeline.start(topics, new ScriptedReplies());
                RunningApi a = RunningApi.start(topics, Map.of("connect.instance-id", "twin-a"));
                RunningApi b = RunningApi.start(topics, Map.of("connect.instance-id", "twin-b"))) {
            // the four reply partitions are shared, none twice
            org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(60)).until(() -> owned(a).size() + owned(b).size() == 4
                    && !owned(a).isEmpty() && !owned(b).isEmpty());
            assertThat(owned(a)).doesNotContainAnyElementsOf(owned(b));
            assertThat(a.putAgent("twin-agent", "published", List.of("*"), 100).statusCode()).isEqualTo(200);
            org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(30))
                    .until(() -> b.bean(ai.ojin.session.connect.agent.AgentCatalog.class).find("twin-agent").isPresent());

            // when: concurrent connects to both instances
            List<CompletableFuture<HttpResponse<String>>> fromA = new ArrayList<>();
            List<CompletableFuture<HttpResponse<String>>> fromB = new ArrayList<>();
            for (int i = 0; i < PER_INSTANCE; i++) {
                fromA.add(a.http().sendAsync(a.connect("{\"agent_id\":\"twin-agent\"}", null).build(), HttpResponse.BodyHandlers.ofString()));
                fromB.add(b.http().sendAsync(b.connect("{\"agent_id\":\"twin-agent\"}", null).build(), HttpResponse.BodyHandlers.ofString()));
            }
            Set<String> sessionsOfA = sessions(fromA);
            Set<String> sessionsOfB = sessions(fromB);

            // then: every caller got the reply to its own request
            assertThat(sessionsOfA).hasSize(PER_INSTANCE).doesNotContainAnyElementsOf(sessionsOfB);
            assertThat(sessionsOfB).hasSize(PER_INSTANCE);
            List<RequestSession> requests = pipeline.commands().stream()
                    .filter(RequestSession.class::isInstance).map(RequestSession.class::cast).toList();
            assertThat(requests).filteredOn(r -> owned(a).contains(r.replyPartition())).extracting(RequestSession::sessionId)
                    .containsExactlyInAnyOrderElementsOf(sessionsOfA);
            assertThat(requests).filteredOn(r -> owned(b).contains(r.replyPartition())).extracting(RequestSession::sessionId)
                    .containsExactlyInAnyOrderElementsOf(sessionsOfB);
            assertThat(requests).filteredOn(r -> sessionsOfA.contains(r.sessionId())).extracting(RequestSession::instanceId)
                    .containsOnly("twin-a");
            // and no instance ever saw a reply addressed to the other
            for (RunningApi api : List.of(a, b)) {
                ReplyListener listener = api.bean(ReplyListener.class);
                assertThat(listener.receivedCount()).isEqualTo(PER_INSTANCE);
                assertThat(listener.unmatchedCount()).isZero();
                assertThat(api.bean(PendingReplies.class).size()).isZero();
            }
        }
    }

    private static Set<Integer> owned(RunningApi api) {
        return api.bean(ReplyListener.class).ownedPartitions();
    }

    private static Set<String> sessions(List<CompletableFuture<HttpResponse<String>>> responses) throws Exception {
        Set<String> sessions = new HashSet<>();
        for (CompletableFuture<HttpResponse<String>> future : responses) {
            HttpResponse<String> response = future.get(60, TimeUnit.SECONDS);
            assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
            JsonNode body = Json.MAPPER.readTree(response.body());
            String sessionId = body.get("session_id").asString();
            assertThat(body.get("token").asString()).isEqualTo(ScriptedReplies.token(sessionId));
            assertThat(body.get("room_url").asString()).isEqualTo(ScriptedReplies.roomUrl(sessionId));
            sessions.add(sessionId);
        }
        return sessions;
    }
}
