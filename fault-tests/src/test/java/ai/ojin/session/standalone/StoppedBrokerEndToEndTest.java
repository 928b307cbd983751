package ai.ojin.session.standalone;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import ai.ojin.session.rules.audit.AuditCheck;
import ai.ojin.session.events.fact.SessionAdmitted;
import ai.ojin.session.events.fact.SessionEvent;
import ai.ojin.session.events.topic.SessionTopics;
import ai.ojin.session.events.topic.TopicLayout;
import ai.ojin.session.testkit.TestKafka;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.apache.kafka.common.test.KafkaClusterTestKit;
import org.apache.kafka.common.test.TestKitNodes;

/**
 * The stack on a 3-broker KRaft cluster with the production settings docs/operations.md recommends
 * (replication factor 3, {@code min.insync.replicas} 2, transaction and offsets logs the same):
 * one broker is stopped while callers connect without pause, and started again. Every caller is answered (a
 * 500 only while the pipeline cannot answer in time, counted), every session answered 200 has its
 * admission in the log, and the log folds clean. The first class of its test JVM, so that no shared
 * single broker runs beside the cluster (this module's pom: the order of the classes).
 */
@Tag("fault")
class StoppedBrokerEndToEndTest {

    private static final Duration WAIT = Duration.ofSeconds(120);
    private static final int CALLERS = 6;

    @Test
    void shouldAnswerEveryCallerAndLoseNoFactWhenOneOfThreeBrokersStopsMidBurst() throws Exception {
        // given: a 3-broker cluster with the recommended settings, and the stack on it
        Map<String, String> settings = new HashMap<>(Map.of(
                "group.coordinator.append.linger.ms", "0",
                "add.partitions.to.txn.retry.backoff.ms", "1",
                "group.initial.rebalance.delay.ms", "0",
                "transaction.state.log.replication.factor", "3",
                "transaction.state.log.min.isr", "2",
                "offsets.topic.replication.factor", "3",
                "min.insync.replicas", "2",
                "default.replication.factor", "3",
                "auto.create.topics.enable", "false"));
        // three brokers and a controller of its own (so that stopping a broker leaves the quorum alone)
        KafkaClusterTestKit.Builder builder = new KafkaClusterTestKit.Builder(new TestKitNodes.Builder()
                .setCombined(false).setNumBrokerNodes(3).setNumControllerNodes(1).build());
        settings.forEach(builder::setConfigProp);
        try (KafkaClusterTestKit cluster = builder.build()) {
            cluster.format();
            cluster.startup();
            cluster.waitForReadyBrokers();
            String bootstrap = cluster.bootstrapServers();
            String prefix = TestKafka.uniqueId("broker-failure");
            SessionTopics topics = SessionTopics.withPrefix(prefix + ".");
            try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap))) {
                var newTopics = topics.newTopics(new TopicLayout(3, 4, (short) 3));
                admin.createTopics(newTopics).all().get();
                // every broker knows them: each partition's three replicas are in sync
                List<String> names = newTopics.stream().map(t -> t.name()).toList();
                await().atMost(WAIT).ignoreExceptions().until(() -> admin.describeTopics(names).allTopicNames().get().values()
                        .stream().flatMap(d -> d.partitions().stream()).allMatch(p -> p.leader() != null && p.isr().size() == 3));
                // and each broker's own metadata has them (a client asks any one of them)
                for (String broker : bootstrap.split(",")) {
                    await().atMost(WAIT).ignoreExceptions().until(() -> {
                        try (var consumer = new KafkaConsumer<>(Map.<String, Object>of(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, broker),
                                new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
                            return names.stream().allMatch(name -> !consumer.partitionsFor(name).isEmpty());
                        }
                    });
                }
            }
            Map<String, String> overrides = new HashMap<>(SharedStack.OVERRIDES);
            overrides.put("session.topics.prefix", prefix + ".");
            overrides.put("session.topics.replication-factor", "3");
            try (Stack stack = new Stack(bootstrap, overrides)) {
                List<String> agents = List.of(TestKafka.uniqueId("bf-a"), TestKafka.uniqueId("bf-b"), TestKafka.uniqueId("bf-c"));
                for (String agent : agents) {
                    stack.putAgent(agent, "published", List.of("*"), 100, 600);
                }
                var victim = cluster.brokers().get(1);

                // when: callers connect (and end each admitted session) without pause; one broker is
                // stopped after 3 s and started again 10 s later; they go on for 8 s after that
                ExecutorService callers = Executors.newFixedThreadPool(CALLERS);
                AtomicBoolean running = new AtomicBoolean(true);
                List<HttpResponse<String>> responses = new CopyOnWriteArrayList<>();
                List<CompletableFuture<Void>> loops = new ArrayList<>();
                try {
                    for (int i = 0; i < CALLERS; i++) {
                        String agent = agents.get(i % agents.size());
                        loops.add(CompletableFuture.runAsync(() -> {
                            while (running.get()) {
                                HttpResponse<String> response = stack.connect(agent, "user-" + agent, null);
                                responses.add(response);
                                if (response.statusCode() == 200) {
                                    stack.endSession(Stack.json(response).get("session_id").asString());
                                } else {
                                    // a refused caller comes back a little later, as a widget would (a loop of fast
                                    // refusals would only burn the CPU the other test JVMs need)
                                    LockSupport.parkNanos(Duration.ofMillis(250).toNanos());
                                }
                            }
                        }, callers));
                    }
                    await().pollDelay(Duration.ofSeconds(3)).atMost(WAIT).until(() -> !responses.isEmpty());
                    int beforeStop = responses.size();
                    victim.shutdown();
                    System.out.println("BROKER_FAILURE broker " + victim.config().brokerId() + " stopped after "
                            + beforeStop + " connects");
                    await().pollDelay(Duration.ofSeconds(10)).atMost(WAIT).until(() -> true);
                    victim.startup();
                    System.out.println("BROKER_FAILURE broker started again after " + responses.size() + " connects");
                    await().pollDelay(Duration.ofSeconds(8)).atMost(WAIT).until(() -> true);
                    running.set(false);
                    CompletableFuture.allOf(loops.toArray(CompletableFuture[]::new)).get(WAIT.toSeconds(), TimeUnit.SECONDS);
                } finally {
                    running.set(false);
                    callers.shutdownNow();
                }

                // then: every caller is answered: 200, or 500 (counted) while the pipeline could not answer in time, or
                // 502 room_creation_failed once the callers (who never pause) are above Daily's budget and closes of
                // ended sessions have waited 5 s for it
                Map<Integer, Long> statuses = responses.stream().collect(Collectors.groupingBy(HttpResponse::statusCode,
                        TreeMap::new, Collectors.counting()));
                System.out.println("BROKER_FAILURE statuses " + statuses);
                assertThat(statuses.keySet()).isSubsetOf(200, 500, 502);
                assertThat(responses).filteredOn(r -> r.statusCode() == 502)
                        .allSatisfy(r -> assertThat(Stack.json(r).get("error_code").asString()).isEqualTo("room_creation_failed"));
                assertThat(statuses.getOrDefault(200, 0L)).isGreaterThan(statuses.getOrDefault(500, 0L));

                // and: no fact lost: every session answered 200 has its admission in the log, and the log folds clean
                Set<String> answered = responses.stream().filter(r -> r.statusCode() == 200)
                        .map(r -> Stack.json(r).get("session_id").asString()).collect(Collectors.toSet());
                await().atMost(WAIT).untilAsserted(() -> {
                    List<SessionEvent> facts = TestKafka.readAll(bootstrap, topics.events()).stream().map(ConsumerRecord::value).toList();
                    assertThat(facts.stream().filter(SessionAdmitted.class::isInstance).map(SessionEvent::sessionId)
                            .collect(Collectors.toSet())).containsAll(answered);
                    assertThat(AuditCheck.check(facts).violations()).isEmpty();
                });
                // and: the pipeline answers again with all brokers back
                assertThat(stack.connect(agents.get(0), "after", null).statusCode()).isEqualTo(200);
            }
        }
    }

}
