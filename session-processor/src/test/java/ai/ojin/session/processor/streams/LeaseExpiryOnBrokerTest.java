package ai.ojin.session.processor.streams;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import ai.ojin.session.events.SessionIds;
import ai.ojin.session.rules.audit.AuditCheck;
import ai.ojin.session.events.command.EndReason;
import ai.ojin.session.events.command.RequestSession;
import ai.ojin.session.events.fact.SessionAdmitted;
import ai.ojin.session.events.fact.SessionEnded;
import ai.ojin.session.events.fact.SessionEvent;
import ai.ojin.session.events.fact.SessionRejected;
import ai.ojin.session.processor.topology.LeaseSettings;
import ai.ojin.session.testkit.TestKafka;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import org.apache.kafka.streams.KafkaStreams;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

class LeaseExpiryOnBrokerTest {

    private static final Logger log = LoggerFactory.getLogger(LeaseExpiryOnBrokerTest.class);
    private static final Duration START_LEASE = Duration.ofSeconds(2);
    private static final Duration PUNCTUATION = Duration.ofMillis(200);

    @TempDir
    Path state;

    @Test
    void shouldGiveTheSlotBackWhenAStartLeaseRunsOutWithoutARelease() throws Exception {
        try (BrokerFixture kafka = new BrokerFixture()) {
            // given: limit 1, a 2 s start lease checked every 200 ms
            kafka.publishAgent("solo", 1);
            LeaseSettings settings = LeaseSettings.DEFAULTS.withStartLease(START_LEASE).withPunctuateInterval(PUNCTUATION);
            KafkaStreams streams = kafka.streams(
                    ProcessorProperties.defaults().withApplicationId(TestKafka.uniqueId("processor"), state.toString()), settings);
            try {
                streams.start();
                await().atMost(Duration.ofSeconds(60)).until(() -> streams.state() == KafkaStreams.State.RUNNING);

                // when: one session is admitted and never started or released, and a second one asks right
                // behind it (sent together, so that the log orders them: waiting to see the first admitted
                // before sending the second would race the 2 s lease on a busy machine)
                String lost = request(kafka, "solo");
                String blocked = request(kafka, "solo");
                SessionAdmitted admitted = await().atMost(Duration.ofSeconds(30))
                        .until(() -> find(kafka, SessionAdmitted.class, lost), Optional::isPresent).orElseThrow();
                SessionRejected rejected = await().atMost(Duration.ofSeconds(30))
                        .until(() -> find(kafka, SessionRejected.class, blocked), Optional::isPresent).orElseThrow();

                // then: it ends by lease expiry within lease + punctuation interval (plus scheduling slack)
                SessionEnded ended = await().atMost(Duration.ofSeconds(30))
                        .until(() -> find(kafka, SessionEnded.class, lost), Optional::isPresent).orElseThrow();
                long heldMs = Duration.between(admitted.at(), ended.at()).toMillis();
                log.info("Lease of {} expired after {} ms (lease {} ms, punctuation {} ms)", lost, heldMs,
                        START_LEASE.toMillis(), PUNCTUATION.toMillis());
                assertThat(ended.reason()).isEqualTo(EndReason.LEASE_EXPIRED);
                assertThat(ended.activeAfter()).isZero();
                assertThat(heldMs).isBetween(START_LEASE.toMillis(), START_LEASE.plus(PUNCTUATION).toMillis() + 1_000);
                assertThat(rejected.retryAfterSeconds()).isBetween(1, 2);

                // and the slot is usable again
                String next = request(kafka, "solo");
                await().atMost(Duration.ofSeconds(30)).until(() -> find(kafka, SessionAdmitted.class, next).isPresent());
                assertThat(AuditCheck.check(kafka.factValues()).ok()).isTrue();
            } finally {
                streams.close(Duration.ofSeconds(30));
            }
        }
    }

    private static String request(BrokerFixture kafka, String agent) {
        String sessionId = SessionIds.newSessionId(agent);
        kafka.send(new RequestSession(sessionId, agent, null, null, 0, Instant.now(), Instant.now().plusSeconds(30)));
        kafka.flush();
        return sessionId;
    }

    private static <T extends SessionEvent> Optional<T> find(BrokerFixture kafka, Class<T> type, String sessionId) {
        return kafka.factValues().stream().filter(type::isInstance).map(type::cast)
                .filter(f -> f.sessionId().equals(sessionId)).findFirst();
    }
}
