package ai.ojin.session.standalone;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import ai.ojin.session.connect.ConnectApiApplication;
import ai.ojin.session.connect.reply.ReplyListener;
import ai.ojin.session.rules.audit.AuditCheck;
import ai.ojin.session.events.fact.SessionAdmitted;
import ai.ojin.session.events.fact.SessionEnded;
import ai.ojin.session.events.fact.SessionEvent;
import ai.ojin.session.events.fact.SessionFailed;
import ai.ojin.session.events.fact.SessionRejected;
import ai.ojin.session.events.history.CallRecord;
import ai.ojin.session.processor.streams.SessionStreams;
import ai.ojin.session.room.jobs.JobConsumer;
import ai.ojin.session.testkit.FreePorts;
import ai.ojin.session.testkit.JavaProcess;
import ai.ojin.session.testkit.TestKafka;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpRequest;
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
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.IntSupplier;
import java.util.stream.Collectors;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.boot.web.server.context.WebServerApplicationContext;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.kafka.listener.ConcurrentMessageListenerContainer;

/**
 * The production shape on one broker: 3 connect-api instances (the shared stack's, one more in
 * this JVM, one in a second JVM), 2 processors, 2 room-workers and 2 call-history sinks (the
 * second of each in that second JVM: the standalone main on the stack's broker, topics and
 * groups), none with a per-instance setting but its instance id. A
 * burst of 200 connects for 10 agents (limit 5 each) goes through all three APIs at once, and one
 * instance of each service is killed with SIGKILL (the second JVM) in the middle of it: the survivors take their
 * partitions over within the session timeout of each group, every caller of a surviving API is
 * answered, no admission exceeds a limit, every admitted session is over or live with a room, and
 * every call that ended has its call-history record.
 */
@Tag("fault")
@ExtendWith(SharedStack.class)
class InstanceFailoverEndToEndTest {

    /** The documented bound: the group's session timeout (processor 10 s, others 6 s here) plus a rebalance. */
    private static final Duration TAKE_OVER_BOUND = Duration.ofSeconds(10 + 15);
    private static final Duration WAIT = Duration.ofSeconds(120);
    /** Starting a JVM with four services while the stack runs: ~40 s idle, minutes on a busy shared machine. */
    private static final Duration START = Duration.ofMinutes(5);
    private static final int CALLS = 200;
    private static final int AGENTS = 10;
    private static final int LIMIT = 5;
    /** Status of a call whose connection broke (only allowed for the killed API). */
    private static final int CONNECTION_LOST = -1;
    private static Stack stack;

    @BeforeAll
    static void useSharedStack(Stack shared) {
        stack = shared;
    }

    @Test
    void shouldAnswerEveryCallerOfTheSurvivorsWhenOneInstanceOfEachServiceDiesMidBurst() throws Exception {
        // given: second instances of every service, and a third connect-api, sharing the work with the stack's
        String prefix = stack.topics.events().name().replace("session-events", "");
        Map<String, String> common = new HashMap<>(SharedStack.OVERRIDES);
        common.putAll(Map.of(
                "KAFKA_BOOTSTRAP_SERVERS", stack.stack.bootstrapServers(),
                "session.topics.prefix", prefix,
                "session.instance.id", "second-" + TestKafka.uniqueId("instance"),
                "server.port", "0",
                "logging.level.org.apache.kafka", "WARN"));
        ConfigurableApplicationContext processor = stack.stack.services().get(0);
        ConfigurableApplicationContext worker = stack.stack.services().get(1);
        ConfigurableApplicationContext sink = stack.stack.services().get(2);
        ConfigurableApplicationContext api = stack.stack.services().get(3);
        Path logs = Path.of("target", "instance-failover");
        Files.createDirectories(logs);
        int doomedApiPort = FreePorts.outsideEphemeralRange();
        JavaProcess seconds = null;
        ConfigurableApplicationContext thirdApi = null;
        try {
            // the second processor, room-worker, call-history-sink and connect-api: one standalone JVM on the
            // stack's broker, topics and groups, and the stack's call-history store (sink instances share one
            // store: a partition that moves carries on from the facts its old owner folded); its own data
            // directory, so its own instance id
            Map<String, String> joinTheStack = with(common, Map.of(
                    "processor.application-id", property(processor, "processor.application-id"),
                    "room.consumer-group", property(worker, "room.consumer-group"),
                    "history.group-id", property(sink, "history.group-id"),
                    "room.reconcile-interval", "0s"));
            joinTheStack.remove("session.instance.id");
            joinTheStack.remove("server.port");
            seconds = JavaProcess.start(Standalone.class, joinTheStack, Map.ofEntries(
                    Map.entry("DATA_DIR", Files.createTempDirectory("second-instances").toString()),
                    Map.entry("KAFKA_BOOTSTRAP_SERVERS", stack.stack.bootstrapServers()),
                    Map.entry("CONNECT_API_PORT", String.valueOf(doomedApiPort)),
                    Map.entry("ROOM_WORKER_PORT", "0"),
                    Map.entry("CALL_HISTORY_PORT", "0"),
                    Map.entry("WIDGET_PORT", "0"),
                    Map.entry("ADMIN_TOKEN", Stack.ADMIN_TOKEN),
                    Map.entry("DAILY_API_URL", stack.daily.baseUrl()),
                    Map.entry("DAILY_API_KEY", stack.daily.apiKey()),
                    Map.entry("ORCHESTRATOR_URL", stack.orchestrator.baseUrl()),
                    Map.entry("ORCHESTRATOR_TOKEN", stack.orchestrator.token()),
                    Map.entry("CALL_HISTORY_DB_URL", stack.callHistoryDbUrl()),
                    Map.entry("CALL_HISTORY_DB_USER", "sa"),
                    Map.entry("CALL_HISTORY_DB_PASSWORD", "")), logs.resolve("second-instances.log"));
            JavaProcess second = seconds;
            Map<String, Object> third = new HashMap<>(common);
            third.putAll(Map.of("session.instance.id", TestKafka.uniqueId("third"), "ADMIN_TOKEN", Stack.ADMIN_TOKEN,
                    "server.address", "127.0.0.1", "spring.autoconfigure.exclude", StandaloneStack.NO_JDBC));
            // (a free port as an argument: the builder's properties are defaults, below connect-api.yml's 8080)
            thirdApi = ConnectApiApplication.builder().properties(third).run("--server.port=0");
            int thirdApiPort = ((WebServerApplicationContext) thirdApi).getWebServer().getPort();
            List<Integer> apiPorts = List.of(stack.stack.connectApiPort(), thirdApiPort, doomedApiPort);

            IntSupplier processorTasks = () -> processor.getBean(SessionStreams.class).activeTasks();
            IntSupplier workerPartitions = () -> worker.getBean(JobConsumer.class).assignedPartitions();
            IntSupplier sinkPartitions = () -> sink.getBean(ConcurrentMessageListenerContainer.class)
                    .getAssignedPartitions().size();
            ConfigurableApplicationContext survivingApi = thirdApi;
            IntSupplier replyPartitions = () -> api.getBean(ReplyListener.class).ownedPartitions().size()
                    + survivingApi.getBean(ReplyListener.class).ownedPartitions().size();
            // the partitions are shared: each survivor-to-be owns fewer than all of them, and every API is ready
            await().atMost(START).pollInterval(Duration.ofMillis(200)).until(() -> second.assertAlive()
                    && processorTasks.getAsInt() < 3 && workerPartitions.getAsInt() < 3 && sinkPartitions.getAsInt() < 3
                    && replyPartitions.getAsInt() < 4 && apiPorts.stream().allMatch(port -> stack.apiReady(port)));

            List<String> agents = new ArrayList<>();
            for (int i = 0; i < AGENTS; i++) {
                String agent = TestKafka.uniqueId("scale");
                stack.putAgent(agent, "published", List.of("*"), LIMIT, 600);
                agents.add(agent);
            }
            // every API's catalog knows them
            await().atMost(WAIT).until(() -> apiPorts.stream().allMatch(port -> agents.stream().allMatch(agent -> stack.apiKnows(port, agent))));

            // when: 200 connects through the three APIs at once, and one instance of each service dies in the middle
            ExecutorService callers = Executors.newFixedThreadPool(100);
            Instant killedAt;
            List<Integer> survivorStatuses = new ArrayList<>();
            List<Integer> doomedStatuses = new ArrayList<>();
            try {
                List<CompletableFuture<Integer>> calls = new ArrayList<>();
                for (int i = 0; i < CALLS; i++) {
                    String agent = agents.get(i % AGENTS);
                    int port = apiPorts.get(i % apiPorts.size());
                    calls.add(CompletableFuture.supplyAsync(() -> connectStatus(port, agent), callers));
                }
                await().atMost(WAIT).until(() -> calls.stream().filter(CompletableFuture::isDone).count() >= 40);
                second.kill();
                killedAt = Instant.now();

                // then: the survivors own every partition again within the documented bound
                Map<String, Long> takeOver = new TreeMap<>();
                await().atMost(WAIT).pollInterval(Duration.ofMillis(100)).until(() -> {
                    record("processor", processorTasks, 3, killedAt, takeOver);
                    record("room-worker", workerPartitions, 3, killedAt, takeOver);
                    record("call-history-sink", sinkPartitions, 3, killedAt, takeOver);
                    record("connect-api replies", replyPartitions, 4, killedAt, takeOver);
                    return takeOver.size() == 4;
                });
                System.out.println("INSTANCE_FAILOVER take_over_ms " + takeOver);
                assertThat(takeOver.values()).allSatisfy(ms -> assertThat(ms).isLessThan(TAKE_OVER_BOUND.toMillis()));

                // and: every caller of a surviving API is answered: 200, 429, or an error answer for a request caught
                // by the kill (500 at the API's deadline on a dead processor's partition, 502 when a set-up
                // ran out of its budget while the worker's partitions moved); a caller of the killed API may also have lost its connection
                for (int i = 0; i < CALLS; i++) {
                    (apiPorts.get(i % apiPorts.size()) == doomedApiPort ? doomedStatuses : survivorStatuses).add(calls.get(i).join());
                }
            } finally {
                callers.shutdownNow();
            }
            System.out.println("INSTANCE_FAILOVER statuses surviving APIs " + histogram(survivorStatuses)
                    + ", killed API " + histogram(doomedStatuses));
            assertThat(survivorStatuses).allSatisfy(status -> assertThat(status).isIn(200, 429, 500, 502));
            assertThat(doomedStatuses).allSatisfy(status -> assertThat(status).isIn(200, 429, 500, 502, CONNECTION_LOST));
            assertThat(survivorStatuses).contains(200);

            // and: the log folds clean, so no admission was ever above a limit and every slot is decided once
            List<SessionEvent> facts = ourFacts(agents);
            assertThat(AuditCheck.check(TestKafka.readAll(stack.topics.events()).stream().map(ConsumerRecord::value).toList())
                    .violations()).isEmpty();
            Set<String> admitted = facts.stream().filter(SessionAdmitted.class::isInstance).map(SessionEvent::sessionId)
                    .collect(Collectors.toSet());
            assertThat(admitted).isNotEmpty();

            // and: every admitted session is over or live with a room
            await().atMost(WAIT).untilAsserted(() -> {
                List<SessionEvent> now = ourFacts(agents);
                Set<String> over = now.stream().filter(f -> f instanceof SessionEnded || f instanceof SessionFailed)
                        .map(SessionEvent::sessionId).collect(Collectors.toSet());
                Set<String> rooms = stack.daily.liveRoomNames();
                assertThat(admitted).allSatisfy(id -> assertThat(over.contains(id)
                        || rooms.stream().anyMatch(room -> room.endsWith(id))).as("session %s over or live with a room", id).isTrue());
            });

            // and: every call that ended or was rejected has its call-history record
            await().atMost(WAIT).untilAsserted(() -> {
                Set<String> finished = ourFacts(agents).stream()
                        .filter(f -> f instanceof SessionEnded || f instanceof SessionFailed || f instanceof SessionRejected)
                        .map(SessionEvent::sessionId).collect(Collectors.toSet());
                Set<String> recorded = new HashSet<>(TestKafka.readAll(stack.topics.callHistory()).stream()
                        .map(ConsumerRecord::value).map(CallRecord::sessionId).toList());
                assertThat(finished).isNotEmpty();
                assertThat(recorded).containsAll(finished);
            });
        } finally {
            if (thirdApi != null) {
                thirdApi.close();
            }
            if (seconds != null) {
                seconds.close();
            }
        }
    }

    private static List<SessionEvent> ourFacts(List<String> agents) {
        return TestKafka.readAll(stack.topics.events()).stream().map(ConsumerRecord::value)
                .filter(f -> agents.contains(f.agentId())).toList();
    }

    private static Map<Integer, Long> histogram(List<Integer> statuses) {
        return statuses.stream().collect(Collectors.groupingBy(s -> s, TreeMap::new, Collectors.counting()));
    }

    private static int connectStatus(int port, String agent) {
        String json = "{\"agent_id\":\"" + agent + "\"}";
        try {
            return stack.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/v1/public/agents/connect"))
                    .header("Content-Type", "application/json").timeout(Duration.ofSeconds(30))
                    .POST(HttpRequest.BodyPublishers.ofString(json))).statusCode();
        } catch (UncheckedIOException e) {
            return CONNECTION_LOST;
        }
    }

    private static void record(String service, IntSupplier owned, int all, Instant killedAt, Map<String, Long> takeOver) {
        if (!takeOver.containsKey(service) && owned.getAsInt() == all) {
            takeOver.put(service, Duration.between(killedAt, Instant.now()).toMillis());
        }
    }

    private static String property(ConfigurableApplicationContext context, String name) {
        return context.getEnvironment().getRequiredProperty(name);
    }

    private static Map<String, String> with(Map<String, String> common, Map<String, String> own) {
        Map<String, String> all = new HashMap<>(common);
        all.putAll(own);
        return all;
    }
}
