package ai.ojin.session.standalone;

import static ai.ojin.session.standalone.Stack.assertError;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import ai.ojin.session.rules.audit.AuditCheck;
import ai.ojin.session.rules.audit.AuditReport;
import ai.ojin.session.events.fact.SessionAdmitted;
import ai.ojin.session.events.fact.SessionEnded;
import ai.ojin.session.events.fact.SessionEvent;
import ai.ojin.session.events.fact.SessionFailed;
import ai.ojin.session.events.fact.SessionStarted;
import ai.ojin.session.events.json.Json;
import ai.ojin.session.room.RoomWorkerApplication;
import ai.ojin.session.testkit.Fault;
import ai.ojin.session.testkit.DailyWebhooks;
import ai.ojin.session.testkit.JavaProcess;
import ai.ojin.session.testkit.TestKafka;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.utils.Utils;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The room worker as a job system, end to end (real processor, fake Daily and orchestrator): a
 * hanging outside call never holds up another session, callers get the error of the failing step
 * before the API's deadline, compensation follows, and a worker that dies mid-burst loses nothing.
 */
@Tag("fault")
@ExtendWith(SharedStack.class)
class WorkerJobsEndToEndTest {

    private static final Duration API_DEADLINE = Duration.ofSeconds(10);
    private static final Duration WAIT = Duration.ofSeconds(90);
    private static Stack stack;

    @BeforeAll
    static void useSharedStack(Stack shared) {
        stack = shared;
    }

    @Test
    void shouldAnswerOtherAgentsAtOnceWhileOneAgentsOrchestratorHangs() throws Exception {
        // given: the orchestrator hangs on the bot start of one agent
        String hanging = newAgent("hang-one", 5);
        String other = newAgent("hang-other", 5);
        stack.orchestrator.failNextWhen("POST", "/v1/sessions", call -> call.body().contains(quoted(hanging)), 10,
                Fault.hang(Duration.ofSeconds(30)));
        CompletableFuture<HttpResponse<String>> slow = CompletableFuture.supplyAsync(
                () -> stack.connect(hanging, null, null));
        await().atMost(WAIT).until(() -> stack.orchestrator.requests().stream()
                .anyMatch(r -> r.method().equals("POST") && r.body().contains(quoted(hanging))));

        // when: another agent's widget connects while that call hangs
        Instant sent = Instant.now();
        HttpResponse<String> fast = stack.connect(other, null, null);
        Duration took = Duration.between(sent, Instant.now());

        // then: it is answered 200 at once, before the hanging one
        assertThat(fast.statusCode()).as(fast.body()).isEqualTo(200);
        assertThat(took).isLessThan(Duration.ofSeconds(3));
        assertThat(slow).isNotDone();

        // and: the hanging one gets 502 orchestrator_error, not 500 after the API's deadline
        Instant slowSent = sent.minusMillis(500);
        assertError(slow.get(), 502, "orchestrator_error");
        assertThat(Duration.between(slowSent, Instant.now())).isLessThan(API_DEADLINE);
    }

    @Test
    void shouldStopABotWhoseStartReachedTheOrchestratorAfterTheTeardown() {
        // given: the orchestrator answers this agent's bot starts only after the worker's call timeout
        // (3 s) and then registers the bot anyway: the second attempt lands after the teardown's stop
        String agent = newAgent("orch-late", 1);
        stack.orchestrator.failNextWhen("POST", "/v1/sessions", call -> call.body().contains(quoted(agent)), 10,
                Fault.hangThenProceed(Duration.ofSeconds(4)));

        // when
        HttpResponse<String> response = stack.connect(agent, null, null);

        // then: the caller gets orchestrator_error; a start registered the bot after the first stop,
        // and the bot is stopped again: none is left
        assertError(response, 502, "orchestrator_error");
        await().atMost(WAIT).untilAsserted(() -> {
            assertThat(stack.orchestrator.starts()).filteredOn(s -> s.sessionId().startsWith(agent + "_")).hasSize(2);
            assertThat(stack.orchestrator.requestCount("DELETE", "/v1/sessions/" + agent + "_")).isGreaterThanOrEqualTo(2);
            assertThat(stack.orchestrator.liveSessions()).noneMatch(id -> id.startsWith(agent + "_"));
        });
    }

    @Test
    void shouldAnswerAtOnceWhenTheMeetingEndsBeforeTheSetUpFinishes() {
        // given: Daily hangs on this agent's room creation
        String agent = newAgent("ended-early", 1);
        stack.daily.failNextWhen("POST", "/v1/rooms", call -> call.body().contains(agent + "_"), 3,
                Fault.hang(Duration.ofSeconds(20)));
        CompletableFuture<HttpResponse<String>> response = CompletableFuture.supplyAsync(() -> stack.connect(agent, null, null));
        await().atMost(WAIT).until(() -> stack.daily.requests().stream()
                .anyMatch(r -> r.method().equals("POST") && r.body() != null && r.body().contains(agent + "_")));
        String room = stack.daily.requests().stream()
                .filter(r -> r.method().equals("POST") && r.body() != null && r.body().contains(agent + "_"))
                .map(r -> Json.MAPPER.readTree(r.body()).get("name").asString()).findFirst().orElseThrow();

        // when: Daily reports the meeting of that room ended
        Instant ended = Instant.now();
        stack.webhooks().send(DailyWebhooks.meetingEnded(DailyWebhooks.newEventId(), room));

        // then: the caller is answered at once with the documented error, not at its deadline
        HttpResponse<String> answer = response.join();
        assertError(answer, 502, "room_creation_failed");
        assertThat(Duration.between(ended, Instant.now())).isLessThan(Duration.ofSeconds(5));
    }

    @Test
    void shouldAnswerOrchestratorErrorBeforeTheDeadlineAndRemoveRoomAndBotWhenTheOrchestratorHangs() {
        // given: the orchestrator hangs on this agent's bot starts and (twice) on its bot stops
        String agent = newAgent("orch-hangs", 1);
        stack.orchestrator.failNextWhen("POST", "/v1/sessions", call -> call.body().contains(quoted(agent)), 10,
                Fault.hang(Duration.ofSeconds(20)));
        stack.orchestrator.failNext("DELETE", "/v1/sessions/" + agent + "_", 2, Fault.hang(Duration.ofSeconds(20)));

        // when
        Instant sent = Instant.now();
        HttpResponse<String> response = stack.connect(agent, null, null);

        // then: 502 orchestrator_error within the API's deadline
        assertError(response, 502, "orchestrator_error");
        assertThat(Duration.between(sent, Instant.now())).isLessThan(API_DEADLINE);

        // and: afterwards the room is deleted, the bot stop is retried until it succeeds, and the slot is free
        await().atMost(WAIT).untilAsserted(() -> {
            assertThat(stack.daily.liveRoomNames()).noneMatch(name -> name.startsWith(agent + "_"));
            assertThat(stack.orchestrator.requestCount("DELETE", "/v1/sessions/" + agent + "_")).isGreaterThanOrEqualTo(3);
        });
        assertThat(stack.orchestrator.liveSessions()).noneMatch(id -> id.startsWith(agent + "_"));
    }

    @Test
    void shouldAnswerRoomCreationFailedBeforeTheDeadlineAndRemoveTheRoomWhenDailyHangsOnTokensAndDelete() {
        // given: Daily creates this agent's rooms but hangs on its meeting tokens and (twice) on room deletes
        String agent = newAgent("daily-hangs", 1);
        stack.daily.failNextWhen("POST", "/v1/meeting-tokens", call -> call.body().contains(quoted(agent + "_")), 10,
                Fault.hang(Duration.ofSeconds(20)));
        stack.daily.failNext("DELETE", "/v1/rooms/" + agent + "_", 2, Fault.hang(Duration.ofSeconds(20)));

        // when
        Instant sent = Instant.now();
        HttpResponse<String> response = stack.connect(agent, null, null);

        // then: 502 room_creation_failed within the API's deadline
        assertError(response, 502, "room_creation_failed");
        assertThat(Duration.between(sent, Instant.now())).isLessThan(API_DEADLINE);

        // and: afterwards the room is deleted (once Daily answers deletes again), no bot was started
        await().atMost(WAIT).untilAsserted(() ->
                assertThat(stack.daily.liveRoomNames()).noneMatch(name -> name.startsWith(agent + "_")));
        assertThat(stack.orchestrator.starts()).noneMatch(bot -> bot.agentId().equals(agent));
    }

    @Test
    void shouldAnswerOrReleaseEverySessionWhenAWorkerDiesMidBurst() throws Exception {
        // given: a second room worker in a JVM of its own, in the same consumer group, owning some partitions
        // (two agents on each partition of the facts topic, so that the dying worker surely has sessions)
        List<String> agents = new ArrayList<>();
        int[] perPartition = new int[3];
        while (agents.size() < 6) {
            String candidate = TestKafka.uniqueId("crash");
            int partition = partitionOf(candidate);
            if (perPartition[partition] < 2) {
                perPartition[partition]++;
                stack.putAgent(candidate, "published", List.of("*"), 10, 600);
                agents.add(candidate);
            }
        }
        Map<String, String> properties = new HashMap<>(SharedStack.OVERRIDES);
        properties.putAll(Map.of(
                "KAFKA_BOOTSTRAP_SERVERS", stack.stack.bootstrapServers(),
                "server.port", "0",
                "session.topics.prefix", stack.topics.events().name().replace("session-events", ""),
                "room.consumer-group", stack.stack.services().get(1).getEnvironment().getProperty("room.consumer-group"),
                "DAILY_API_URL", stack.daily.baseUrl(),
                "DAILY_API_KEY", stack.daily.apiKey(),
                "ORCHESTRATOR_URL", stack.orchestrator.baseUrl(),
                "ORCHESTRATOR_TOKEN", stack.orchestrator.token(),
                "DAILY_WEBHOOK_HMAC", "c2VjcmV0",
                "room.reconcile-interval", "0s"));
        properties.put("session.instance.id", "dying-" + agents.get(0));
        Pattern assigned = Pattern.compile("assigned \\[[^\\]]+\\]");
        Path dyingLog = Path.of("target", "worker-dies-mid-burst-" + agents.get(0) + ".log");
        List<String> deadAgents = new ArrayList<>();
        try (JavaProcess second = JavaProcess.start(RoomWorkerApplication.class, properties, dyingLog)) {
            await().atMost(WAIT).until(() -> second.assertAlive() && assigned.matcher(second.output()).find());
            // and: Daily takes a while, so that set-ups are in flight when the worker dies
            stack.daily.setLatency(Duration.ofMillis(400));
            Matcher owned = Pattern.compile("session-events-(\\d+)\\]").matcher(second.output());
            assertThat(owned.find()).isTrue();
            int deadPartition = Integer.parseInt(owned.group(1));
            agents.stream().filter(a -> partitionOf(a) == deadPartition).forEach(deadAgents::add);

            // when: 60 widgets connect over the six agents, and the second worker is killed mid-burst
            ExecutorService callers = Executors.newFixedThreadPool(60);
            try {
                List<CompletableFuture<HttpResponse<String>>> calls = new ArrayList<>();
                for (int i = 0; i < 60; i++) {
                    String agent = agents.get(i % agents.size());
                    calls.add(CompletableFuture.supplyAsync(() -> stack.connect(agent, null, null), callers));
                    if (i == 29) {
                        // the first half's set-ups are under way on both workers
                        // ...and at least two of them on the dying worker's own partition
                        await().atMost(WAIT).until(() -> stack.daily.requests().stream()
                                .filter(r -> r.method().equals("POST") && r.path().equals("/v1/rooms"))
                                .filter(r -> deadAgents.stream().anyMatch(a -> r.body().contains("\"" + a + "_"))).count() >= 2);
                        second.kill();
                    }
                }

                // then: every caller is answered: a session, a concurrency limit, or, for sessions of the dead
                // worker, the error of the step the survivor could not finish in time (502) or, when the take-over
                // came too late, the API's own deadline (500); none hangs
                List<Integer> statuses = new ArrayList<>();
                for (CompletableFuture<HttpResponse<String>> call : calls) {
                    statuses.add(call.get().statusCode());
                }
                System.out.println("WORKER_DIES_MID_BURST statuses " + statuses.stream()
                        .collect(java.util.stream.Collectors.groupingBy(status -> status, java.util.TreeMap::new,
                                java.util.stream.Collectors.counting())));
                assertThat(statuses).allSatisfy(status -> assertThat(status).isIn(200, 429, 500, 502));
                assertThat(statuses).contains(200);
            } finally {
                callers.shutdownNow();
                stack.daily.setLatency(Duration.ZERO);
            }
        }

        // and: every admitted session is answered and running (started, with its room and bot) or released
        Set<String> ours = new HashSet<>(agents);
        await().atMost(WAIT).untilAsserted(() -> {
            List<SessionEvent> facts = facts();
            Set<String> admitted = new HashSet<>();
            Set<String> started = new HashSet<>();
            Set<String> over = new HashSet<>();
            for (SessionEvent fact : facts) {
                if (!ours.contains(fact.agentId())) {
                    continue;
                }
                if (fact instanceof SessionAdmitted) {
                    admitted.add(fact.sessionId());
                } else if (fact instanceof SessionStarted) {
                    started.add(fact.sessionId());
                } else if (fact instanceof SessionEnded || fact instanceof SessionFailed) {
                    over.add(fact.sessionId());
                }
            }
            assertThat(admitted).isNotEmpty();
            for (String session : admitted) {
                boolean running = started.contains(session) && !over.contains(session)
                        && stack.daily.liveRoomNames().contains(session)
                        && stack.orchestrator.liveSessions().contains(session);
                assertThat(running || over.contains(session)).as("session %s answered or released", session).isTrue();
            }
            // and: no room or bot is left for a session that is over
            assertThat(stack.daily.liveRoomNames())
                    .filteredOn(name -> name.contains("_") && ours.contains(name.substring(0, name.lastIndexOf('_'))))
                    .allSatisfy(room -> assertThat(started.contains(room) && !over.contains(room))
                            .as("room %s belongs to a running session", room).isTrue());
        });

        // and: the sessions the dead worker had in flight were taken over by the survivor: set up again (an
        // existing room reused) or, when their caller had stopped waiting, torn down
        assertThat(deadAgents.stream().mapToLong(a -> stack.daily.requestCount("GET", "/v1/rooms/" + a + "_")
                + stack.daily.requestCount("DELETE", "/v1/rooms/" + a + "_")).sum())
                .as("rooms of the dead worker's sessions reused or deleted by the survivor").isPositive();

        // and: the log folds clean
        AuditReport report = AuditCheck.check(facts());
        assertThat(report.violations()).isEmpty();
    }

    private static int partitionOf(String agentId) {
        return Utils.toPositive(Utils.murmur2(agentId.getBytes(StandardCharsets.UTF_8))) % 3;
    }

    private static List<SessionEvent> facts() {
        return TestKafka.readAll(stack.topics.events()).stream().map(ConsumerRecord::value).toList();
    }

    private static String newAgent(String name, int maxConcurrency) {
        String agentId = TestKafka.uniqueId(name);
        stack.putAgent(agentId, "published", List.of("*"), maxConcurrency, 600);
        return agentId;
    }

    private static String quoted(String value) {
        return "\"" + value;
    }
}
