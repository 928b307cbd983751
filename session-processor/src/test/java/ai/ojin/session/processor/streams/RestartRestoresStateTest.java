package ai.ojin.session.processor.streams;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import ai.ojin.session.events.SessionIds;
import ai.ojin.session.rules.audit.AuditCheck;
import ai.ojin.session.rules.audit.AuditReport;
import ai.ojin.session.events.command.EndReason;
import ai.ojin.session.events.command.RequestSession;
import ai.ojin.session.events.fact.SessionAdmitted;
import ai.ojin.session.events.fact.SessionEnded;
import ai.ojin.session.events.fact.SessionEvent;
import ai.ojin.session.events.fact.SessionRejected;
import ai.ojin.session.events.reply.ErrorCode;
import ai.ojin.session.events.reply.SessionReply;
import ai.ojin.session.processor.topology.LeaseSettings;
import ai.ojin.session.processor.topology.SessionTopology;
import ai.ojin.session.testkit.TestKafka;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.processor.StateRestoreListener;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Only the sessions store is changelogged; the active counts, the lease index and the expiry index
 * are rebuilt from it when a task starts. A second instance that starts on an empty state
 * directory must therefore restore the sessions from the changelog and still enforce the limit
 * (active counts), compute retry-after (lease index) and expire the restored leases (expiry index).
 */
@Tag("fault")
class RestartRestoresStateTest {

    private static final Logger log = LoggerFactory.getLogger(RestartRestoresStateTest.class);
    private static final String AGENT = "restarted";
    private static final int LIMIT = 2;
    /**
     * Long enough to cover the second admission, close, restart, restore and the third decision
     * (4.4–5.1 s in six suite runs on two busy cores: 8 s left a margin of 3 s), short enough to keep
     * the test fast.
     */
    private static final Duration START_LEASE = Duration.ofSeconds(12);
    private static final Duration PUNCTUATION = Duration.ofMillis(200);
    private static final Duration CLOSE_TIMEOUT = Duration.ofSeconds(30);

    @TempDir
    Path firstState;
    @TempDir
    Path secondState;

    @Test
    void shouldRebuildActiveCountsAndLeasesFromTheChangelogWhenRestartedOnAnEmptyStateDir() throws Exception {
        try (BrokerFixture kafka = new BrokerFixture()) {
            // given: limit 2, a short start lease, and a first instance that admits two sessions
            kafka.publishAgent(AGENT, LIMIT);
            LeaseSettings settings = LeaseSettings.DEFAULTS.withStartLease(START_LEASE).withPunctuateInterval(PUNCTUATION);
            String appId = TestKafka.uniqueId("processor");

            List<SessionAdmitted> admitted;
            KafkaStreams first = kafka.streams(instance(appId, firstState), settings);
            try {
                first.start();
                awaitRunning(first);
                String one = request(kafka, AGENT);
                String two = request(kafka, AGENT);
                admitted = List.of(
                        await("first admission").atMost(Duration.ofSeconds(30))
                                .until(() -> find(kafka, SessionAdmitted.class, one), Optional::isPresent).orElseThrow(),
                        await("second admission").atMost(Duration.ofSeconds(30))
                                .until(() -> find(kafka, SessionAdmitted.class, two), Optional::isPresent).orElseThrow());
                assertThat(admitted).extracting(SessionAdmitted::activeAfter).containsExactly(1, 2);

                // when: that instance is closed (leaving the group, as the application does)...
                assertThat(first.close(new KafkaStreams.CloseOptions().timeout(CLOSE_TIMEOUT).leaveGroup(true))).isTrue();
            } finally {
                first.close(CLOSE_TIMEOUT); // no-op when already closed
            }

            // ...and a second instance of the same application starts on a new, empty state directory
            assertThat(isEmpty(secondState)).isTrue();
            AtomicLong restoredSessions = new AtomicLong();
            KafkaStreams second = kafka.streams(instance(appId, secondState), settings);
            second.setGlobalStateRestoreListener(new CountingRestoreListener(restoredSessions));
            try {
                second.start();
                awaitRunning(second);
                Instant running = Instant.now();
                Instant earliestLease = admitted.stream().map(SessionAdmitted::leaseUntil).min(Instant::compareTo).orElseThrow();
                log.info("Second instance running {} ms before the earliest restored lease ends; {} session record(s) restored",
                        Duration.between(running, earliestLease).toMillis(), restoredSessions.get());
                // The scenario only means something while the restored leases are still live.
                assertThat(running).as("restart finished before the start lease ran out").isBefore(earliestLease);
                assertThat(restoredSessions.get()).as("sessions restored from the changelog").isGreaterThanOrEqualTo(LIMIT);

                // then: a third request is rejected, because the active count was rebuilt...
                String third = request(kafka, AGENT);
                SessionEvent decision = await("decision on the third request").atMost(Duration.ofSeconds(30))
                        .until(() -> decision(kafka, third), Optional::isPresent).orElseThrow();
                assertThat(decision).as("third request after the restart (limit %d, %d live)", LIMIT, LIMIT)
                        .isInstanceOf(SessionRejected.class);
                SessionRejected rejected = (SessionRejected) decision;
                assertThat(rejected.errorCode()).isEqualTo(ErrorCode.CONCURRENCY_LIMIT);
                assertThat(rejected.maxConcurrency()).isEqualTo(LIMIT);
                assertThat(rejected.active()).isEqualTo(LIMIT);

                // ...with a retry-after taken from the restored leases (the lease index was rebuilt)
                long untilEarliestMs = Duration.between(rejected.at(), earliestLease).toMillis();
                int expectedRetryAfter = (int) Math.max(1, Math.floorDiv(untilEarliestMs + 999, 1000));
                assertThat(rejected.retryAfterSeconds())
                        .isBetween(1, (int) START_LEASE.toSeconds())
                        .isEqualTo(expectedRetryAfter);
                SessionReply reply = await("reply to the rejection").atMost(Duration.ofSeconds(30))
                        .until(() -> kafka.replies().stream().map(BrokerFixture.Seen::value)
                                .filter(r -> r.sessionId().equals(third)).findFirst(), Optional::isPresent)
                        .orElseThrow();
                assertThat(reply.errorCode()).isEqualTo(ErrorCode.CONCURRENCY_LIMIT);
                assertThat(reply.retryAfterSeconds()).isEqualTo(rejected.retryAfterSeconds());

                // and both restored sessions end by lease expiry once their start lease is over (the expiry index was rebuilt)
                for (SessionAdmitted session : admitted) {
                    SessionEnded ended = await("lease expiry of " + session.sessionId())
                            .atMost(START_LEASE.plusSeconds(15))
                            .until(() -> find(kafka, SessionEnded.class, session.sessionId()), Optional::isPresent)
                            .orElseThrow();
                    assertThat(ended.reason()).isEqualTo(EndReason.LEASE_EXPIRED);
                    assertThat(ended.at()).isAfterOrEqualTo(session.leaseUntil());
                    assertThat(Duration.between(session.leaseUntil(), ended.at()))
                            .isLessThanOrEqualTo(PUNCTUATION.plusSeconds(2));
                }
                assertThat(kafka.factValues().stream().filter(SessionEnded.class::isInstance).map(SessionEnded.class::cast)
                        .map(SessionEnded::activeAfter)).containsExactlyInAnyOrder(1, 0);

                // and the slots are usable again
                String fourth = request(kafka, AGENT);
                SessionEvent next = await("decision on the fourth request").atMost(Duration.ofSeconds(30))
                        .until(() -> decision(kafka, fourth), Optional::isPresent).orElseThrow();
                assertThat(next).isInstanceOf(SessionAdmitted.class);
                assertThat(((SessionAdmitted) next).activeAfter()).isEqualTo(1);

                AuditReport report = AuditCheck.check(kafka.factValues());
                assertThat(report.ok()).as(report.toString()).isTrue();
            } finally {
                second.close(CLOSE_TIMEOUT);
            }
        }
    }

    /** The processor's real configuration (which leaves the group on close), on its own state dir. */
    private static ProcessorProperties instance(String appId, Path stateDir) {
        ProcessorProperties defaults = ProcessorProperties.defaults();
        return new ProcessorProperties(appId, stateDir.toString(), defaults.lease(), defaults.streams());
    }

    private static void awaitRunning(KafkaStreams streams) {
        await("streams running").atMost(Duration.ofSeconds(60)).until(() -> streams.state() == KafkaStreams.State.RUNNING);
    }

    private static boolean isEmpty(Path dir) throws IOException {
        try (Stream<Path> entries = Files.list(dir)) {
            return entries.findAny().isEmpty();
        }
    }

    private static String request(BrokerFixture kafka, String agent) {
        String sessionId = SessionIds.newSessionId(agent);
        kafka.send(new RequestSession(sessionId, agent, null, null, 0, Instant.now(), Instant.now().plusSeconds(30)));
        kafka.flush();
        return sessionId;
    }

    private static Optional<SessionEvent> decision(BrokerFixture kafka, String sessionId) {
        return kafka.factValues().stream()
                .filter(f -> f instanceof SessionAdmitted || f instanceof SessionRejected)
                .filter(f -> f.sessionId().equals(sessionId)).findFirst();
    }

    private static <T extends SessionEvent> Optional<T> find(BrokerFixture kafka, Class<T> type, String sessionId) {
        return kafka.factValues().stream().filter(type::isInstance).map(type::cast)
                .filter(f -> f.sessionId().equals(sessionId)).findFirst();
    }

    /** Counts the records restored into the sessions store. */
    private record CountingRestoreListener(AtomicLong restored) implements StateRestoreListener {

        @Override
        public void onRestoreStart(TopicPartition partition, String storeName, long startingOffset, long endingOffset) {
        }

        @Override
        public void onBatchRestored(TopicPartition partition, String storeName, long batchEndOffset, long numRestored) {
        }

        @Override
        public void onRestoreEnd(TopicPartition partition, String storeName, long totalRestored) {
            if (SessionTopology.SESSIONS_STORE.equals(storeName)) {
                restored.addAndGet(totalRestored);
            }
        }
    }
}
