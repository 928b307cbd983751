package ai.ojin.session.standalone;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import ai.ojin.session.events.audit.AuditCheck;
import ai.ojin.session.events.fact.SessionEvent;
import ai.ojin.session.events.fact.SessionAdmitted;
import ai.ojin.session.history.CallHistorySinkApplication;
import ai.ojin.session.processor.SessionProcessorApplication;
import ai.ojin.session.processor.streams.SessionStreams;
import ai.ojin.session.room.RoomWorkerApplication;
import ai.ojin.session.room.jobs.JobConsumer;
import ai.ojin.session.testkit.JavaProcess;
import ai.ojin.session.testkit.TestKafka;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.IntSupplier;
import java.util.stream.Collectors;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.kafka.listener.ConcurrentMessageListenerContainer;

/**
 * A second instance of the processor, the room worker and the call-history sink, each in a JVM of
 * its own, killed with SIGKILL in the middle of a burst: the instances of the shared stack take
 * their partitions over within the session timeout of each group, and the log folds clean.
 */
@ExtendWith(SharedStack.class)
class InstanceFailoverEndToEndTest {

    /** The documented bound: the group's session timeout (processor 10 s, others 6 s here) plus a rebalance. */
    private static final Duration TAKE_OVER_BOUND = Duration.ofSeconds(10 + 15);
    private static final Duration WAIT = Duration.ofSeconds(120);
    private static Stack stack;

    @BeforeAll
    static void useSharedStack(Stack shared) {
        stack = shared;
    }

    @Test
    void shouldLetTheSurvivorsTakeOverWhenOneInstanceOfEachServiceDies() throws Exception {
        // given: second instances of the three group-reading services, sharing the work with the stack's
        Map<String, String> common = new HashMap<>(SharedStack.OVERRIDES);
        common.putAll(Map.of(
                "KAFKA_BOOTSTRAP_SERVERS", stack.stack.bootstrapServers(),
                "session.topics.prefix", stack.topics.events().name().replace("session-events", ""),
                "session.instance.id", "second-" + TestKafka.uniqueId("instance"),
                "server.port", "0",
                "logging.level.org.apache.kafka", "WARN"));
        ConfigurableApplicationContext processor = stack.stack.services().get(0);
        ConfigurableApplicationContext worker = stack.stack.services().get(1);
        ConfigurableApplicationContext sink = stack.stack.services().get(2);
        Path logs = Path.of("target", "instance-failover");
        Files.createDirectories(logs);
        List<JavaProcess> seconds = new ArrayList<>();
        try {
            seconds.add(JavaProcess.start(SessionProcessorApplication.class, with(common, Map.of(
                    "processor.application-id", property(processor, "processor.application-id"),
                    "processor.lease.max-retry-after", "3s",
                    "processor.state-dir", Files.createTempDirectory("second-processor").toString(),
                    "spring.main.web-application-type", "none")), logs.resolve("processor.log")));
            seconds.add(JavaProcess.start(RoomWorkerApplication.class, with(common, Map.of(
                    "room.consumer-group", property(worker, "room.consumer-group"),
                    "DAILY_API_URL", stack.daily.baseUrl(),
                    "DAILY_API_KEY", stack.daily.apiKey(),
                    "ORCHESTRATOR_URL", stack.orchestrator.baseUrl(),
                    "ORCHESTRATOR_TOKEN", stack.orchestrator.token(),
                    "DAILY_WEBHOOK_HMAC", "c2VjcmV0",
                    "room.reconcile-interval", "0s")), logs.resolve("room-worker.log")));
            seconds.add(JavaProcess.start(CallHistorySinkApplication.class, with(common, Map.of(
                    "history.group-id", property(sink, "history.group-id"),
                    "ADMIN_TOKEN", "second-admin-token",
                    "CALL_HISTORY_DB_URL", "jdbc:h2:mem:second-sink;DB_CLOSE_DELAY=-1",
                    "CALL_HISTORY_DB_USER", "sa",
                    "CALL_HISTORY_DB_PASSWORD", "")), logs.resolve("call-history-sink.log")));
            IntSupplier processorTasks = () -> processor.getBean(SessionStreams.class).activeTasks();
            @SuppressWarnings("unchecked")
            IntSupplier workerPartitions = () -> worker.getBean(JobConsumer.class).assignedPartitions();
            @SuppressWarnings("unchecked")
            IntSupplier sinkPartitions = () -> sink.getBean(ConcurrentMessageListenerContainer.class)
                    .getAssignedPartitions().size();
            // the partitions are shared: each survivor-to-be owns fewer than all three
            await().atMost(WAIT).until(() -> seconds.stream().allMatch(JavaProcess::assertAlive)
                    && processorTasks.getAsInt() < 3 && workerPartitions.getAsInt() < 3 && sinkPartitions.getAsInt() < 3);

            List<String> agents = new ArrayList<>();
            for (int i = 0; i < 6; i++) {
                String agent = TestKafka.uniqueId("failover");
                stack.putAgent(agent, "published", List.of("*"), 10, 600);
                agents.add(agent);
            }

            // when: a burst of 60 connects, and the second instances die in the middle of it
            ExecutorService callers = Executors.newFixedThreadPool(60);
            Instant killedAt;
            List<Integer> statuses = new ArrayList<>();
            try {
                List<CompletableFuture<Integer>> calls = new ArrayList<>();
                for (int i = 0; i < 60; i++) {
                    String agent = agents.get(i % agents.size());
                    calls.add(CompletableFuture.supplyAsync(() -> stack.connect(agent, null, null).statusCode(), callers));
                }
                await().atMost(WAIT).until(() -> calls.stream().filter(CompletableFuture::isDone).count() >= 10);
                seconds.forEach(JavaProcess::kill);
                killedAt = Instant.now();

                // then: the survivors own every partition again within the documented bound
                Map<String, Long> takeOver = new TreeMap<>();
                await().atMost(WAIT).pollInterval(Duration.ofMillis(100)).until(() -> {
                    record("processor", processorTasks, killedAt, takeOver);
                    record("room-worker", workerPartitions, killedAt, takeOver);
                    record("call-history-sink", sinkPartitions, killedAt, takeOver);
                    return takeOver.size() == 3;
                });
                System.out.println("INSTANCE_FAILOVER take_over_ms " + takeOver);
                assertThat(takeOver.values()).allSatisfy(ms -> assertThat(ms).isLessThan(TAKE_OVER_BOUND.toMillis()));

                // and: every caller is answered (a 5xx only for a request caught on a dead instance's partition)
                calls.forEach(call -> statuses.add(call.join()));
            } finally {
                callers.shutdownNow();
            }
            System.out.println("INSTANCE_FAILOVER statuses " + statuses.stream()
                    .collect(Collectors.groupingBy(s -> s, TreeMap::new, Collectors.counting())));
            assertThat(statuses).hasSize(60).allSatisfy(status -> assertThat(status).isIn(200, 429, 500, 502));

            // and: the log folds clean and every admission is decided once
            List<SessionEvent> facts = TestKafka.readAll(stack.topics.events()).stream().map(ConsumerRecord::value).toList();
            assertThat(AuditCheck.check(facts).violations()).isEmpty();
            assertThat(facts.stream().filter(f -> f instanceof SessionAdmitted && agents.contains(f.agentId()))).isNotEmpty();
        } finally {
            seconds.forEach(JavaProcess::close);
        }
    }

    private static void record(String service, IntSupplier owned, Instant killedAt, Map<String, Long> takeOver) {
        if (!takeOver.containsKey(service) && owned.getAsInt() == 3) {
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
