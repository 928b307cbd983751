package ai.ojin.session.processor.streams;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import ai.ojin.session.events.SessionIds;
import ai.ojin.session.rules.audit.AuditCheck;
import ai.ojin.session.rules.audit.AuditReport;
import ai.ojin.session.events.command.EndReason;
import ai.ojin.session.events.command.ReleaseSession;
import ai.ojin.session.events.command.RequestSession;
import ai.ojin.session.events.fact.SessionAdmitted;
import ai.ojin.session.events.fact.SessionEvent;
import ai.ojin.session.events.fact.SessionRejected;
import ai.ojin.session.events.fact.SessionRequested;
import ai.ojin.session.events.reply.ErrorCode;
import ai.ojin.session.events.reply.SessionReply;
import ai.ojin.session.processor.topology.LeaseSettings;
import ai.ojin.session.testkit.TestKafka;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.TaskMetadata;
import org.apache.kafka.streams.ThreadMetadata;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

@Tag("fault")
class ProcessorFailoverTest {

    private static final Logger log = LoggerFactory.getLogger(ProcessorFailoverTest.class);
    private static final int LIMIT = 3;
    private static final int REQUESTS_PER_AGENT = 40;

    @TempDir
    Path stateA;
    @TempDir
    Path stateB;

    @Test
    void shouldNeverAdmitAboveTheLimitAndDecideEveryRequestOnceWhenAnInstanceDiesMidBurst() throws Exception {
        try (BrokerFixture kafka = new BrokerFixture()) {
            // given: two instances of one application, four agents at a small limit
            List<String> agents = kafka.agentIdsCoveringAllPartitions(4);
            agents.forEach(agent -> kafka.publishAgent(agent, LIMIT));
            String appId = TestKafka.uniqueId("processor");
            ProcessorProperties base = ProcessorProperties.defaults();
            KafkaStreams a = kafka.streams(base.withApplicationId(appId, stateA.toString()), LeaseSettings.DEFAULTS);
            KafkaStreams b = kafka.streams(base.withApplicationId(appId, stateB.toString()), LeaseSettings.DEFAULTS);
            try {
                a.start();
                b.start();
                await("both instances own tasks").atMost(Duration.ofSeconds(60)).until(() ->
                        a.state() == KafkaStreams.State.RUNNING && b.state() == KafkaStreams.State.RUNNING
                                && !commandPartitions(a, kafka).isEmpty() && !commandPartitions(b, kafka).isEmpty());
                KafkaStreams victim = commandPartitions(a, kafka).size() >= commandPartitions(b, kafka).size() ? a : b;
                KafkaStreams survivor = victim == a ? b : a;
                Set<Integer> victimPartitions = commandPartitions(victim, kafka);

                // when: a burst of requests (and releases of earlier sessions), the victim closed in the middle
                List<RequestSession> requests = new ArrayList<>();
                Map<String, List<String>> byAgent = new HashMap<>();
                long killedAt = 0;
                List<String> afterKill = new ArrayList<>();
                int total = REQUESTS_PER_AGENT * agents.size();
                for (int i = 0; i < total; i++) {
                    String agent = agents.get(i % agents.size());
                    RequestSession request = new RequestSession(SessionIds.newSessionId(agent), agent, "user-" + i, null,
                            i % 4, Instant.now(), Instant.now().plusSeconds(120));
                    requests.add(request);
                    kafka.send(request);
                    List<String> sessions = byAgent.computeIfAbsent(agent, k -> new ArrayList<>());
                    sessions.add(request.sessionId());
                    if (sessions.size() > 4 && i % 3 == 0) {
                        String old = sessions.get(sessions.size() - 5);
                        kafka.send(new ReleaseSession(old, agent, EndReason.MEETING_ENDED, Instant.now()));
                    }
                    if (killedAt != 0) {
                        afterKill.add(request.sessionId());
                    }
                    if (i == total / 2) {
                        kafka.flush();
                        killedAt = System.nanoTime();
                        victim.close(Duration.ZERO); // returns at once; the instance stops mid-stream
                        log.info("Closed the instance owning command partitions {} mid-burst", victimPartitions);
                    }
                }
                kafka.flush();

                // then: every request is decided exactly once
                Set<String> all = requests.stream().map(RequestSession::sessionId).collect(Collectors.toSet());
                await("every request decided").atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(50))
                        .until(() -> decided(kafka.factValues()).containsAll(all));
                long lastDecision = kafka.facts().stream().filter(s -> isDecision(s.value())).mapToLong(BrokerFixture.Seen::nanos)
                        .max().orElseThrow();
                long victimResumed = kafka.facts().stream()
                        .filter(s -> isDecision(s.value()) && afterKill.contains(s.value().sessionId())
                                && victimPartitions.contains(s.partition()))
                        .mapToLong(BrokerFixture.Seen::nanos).min().orElse(lastDecision);
                long recoveryMs = (victimResumed - killedAt) / 1_000_000;
                log.info("RECOVERY: first decision on the closed instance's partitions {} ms after it closed; "
                        + "all {} requests decided {} ms after it closed", recoveryMs, total, (lastDecision - killedAt) / 1_000_000);
                System.out.println("PROCESSOR_FAILOVER_RECOVERY_MS=" + recoveryMs);

                List<SessionEvent> facts = kafka.factValues();
                Map<String, Long> requestedPerSession = facts.stream().filter(SessionRequested.class::isInstance)
                        .collect(Collectors.groupingBy(SessionEvent::sessionId, Collectors.counting()));
                Map<String, Long> decisionsPerSession = facts.stream().filter(ProcessorFailoverTest::isDecision)
                        .collect(Collectors.groupingBy(SessionEvent::sessionId, Collectors.counting()));
                assertThat(requestedPerSession).hasSize(total).allSatisfy((id, n) -> assertThat(n).isEqualTo(1));
                assertThat(decisionsPerSession).hasSize(total).allSatisfy((id, n) -> assertThat(n).isEqualTo(1));

                AuditReport report = AuditCheck.check(facts);
                assertThat(report.ok()).as(report.toString()).isTrue();
                assertThat(report.maxActiveByAgent()).containsOnlyKeys(agents)
                        .allSatisfy((agent, max) -> assertThat(max).isEqualTo(LIMIT));
                log.info("Audit: {}", report);

                // and every rejection got exactly one reply, on the partition its request named
                Map<String, RequestSession> bySession = requests.stream()
                        .collect(Collectors.toMap(RequestSession::sessionId, r -> r));
                Set<String> rejected = facts.stream().filter(SessionRejected.class::isInstance).map(SessionEvent::sessionId)
                        .collect(Collectors.toSet());
                await("replies for every rejection").atMost(Duration.ofSeconds(30))
                        .until(() -> kafka.replies().size() >= rejected.size());
                List<BrokerFixture.Seen<SessionReply>> replies = kafka.replies();
                assertThat(replies).hasSize(rejected.size()).allSatisfy(seen -> {
                    assertThat(rejected).contains(seen.key());
                    assertThat(seen.value().errorCode()).isEqualTo(ErrorCode.CONCURRENCY_LIMIT);
                    assertThat(seen.value().retryAfterSeconds()).isBetween(1, 60);
                    assertThat(seen.partition()).isEqualTo(bySession.get(seen.key()).replyPartition());
                });
                assertThat(replies.stream().map(BrokerFixture.Seen::key).collect(Collectors.toSet())).hasSize(rejected.size());
                assertThat(survivor.state()).isEqualTo(KafkaStreams.State.RUNNING);
            } finally {
                a.close(Duration.ofSeconds(30));
                b.close(Duration.ofSeconds(30));
            }
        }
    }

    private static boolean isDecision(SessionEvent fact) {
        return fact instanceof SessionAdmitted || fact instanceof SessionRejected;
    }

    private static Set<String> decided(List<SessionEvent> facts) {
        Set<String> ids = new HashSet<>();
        facts.stream().filter(ProcessorFailoverTest::isDecision).forEach(f -> ids.add(f.sessionId()));
        return ids;
    }

    private static Set<Integer> commandPartitions(KafkaStreams streams, BrokerFixture kafka) {
        Set<Integer> partitions = new HashSet<>();
        for (ThreadMetadata thread : streams.metadataForLocalThreads()) {
            for (TaskMetadata task : thread.activeTasks()) {
                for (TopicPartition tp : task.topicPartitions()) {
                    if (tp.topic().equals(kafka.topics.commands().name())) {
                        partitions.add(tp.partition());
                    }
                }
            }
        }
        return partitions;
    }
}
