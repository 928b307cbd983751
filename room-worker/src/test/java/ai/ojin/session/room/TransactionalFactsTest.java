package ai.ojin.session.room;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import ai.ojin.session.events.fact.SessionAdmitted;
import ai.ojin.session.events.fact.SessionEvent;
import ai.ojin.session.testkit.TestKafka;
import java.time.Duration;
import java.util.Map;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.junit.jupiter.api.Test;

/**
 * The processor writes facts inside exactly-once transactions: the worker must only act on facts
 * of committed transactions ({@code isolation.level=read_committed} on the session-events container).
 */
class TransactionalFactsTest {

    private static final Duration WAIT = Duration.ofSeconds(60);
    private static final int PARTITION = 0;

    @Test
    void shouldIgnoreAnAdmissionFromAnAbortedTransactionAndActOnACommittedOne() throws Exception {
        try (WorkerHarness worker = new WorkerHarness();
                KafkaProducer<String, SessionEvent> producer = transactionalProducer(worker)) {
            // given: two admissions, on the same partition so the committed one is read after the aborted one
            SessionAdmitted aborted = WorkerHarness.admitted("agent-txn-aborted");
            SessionAdmitted committed = WorkerHarness.admitted("agent-txn-committed");
            producer.initTransactions();

            // when: the first is written in a transaction that aborts, the second in one that commits
            producer.beginTransaction();
            producer.send(worker.topics.events().record(PARTITION, aborted.agentId(), aborted)).get();
            producer.abortTransaction();
            producer.beginTransaction();
            producer.send(worker.topics.events().record(PARTITION, committed.agentId(), committed)).get();
            producer.commitTransaction();

            // then: the committed admission gets its room and reply...
            await().atMost(WAIT).until(() -> worker.daily.room(committed.sessionId()).isPresent()
                    && worker.reply(committed.sessionId()).isPresent());
            assertThat(worker.reply(committed.sessionId()).orElseThrow().ok()).isTrue();
            // ...and the aborted one, read before it on the same partition, got nothing
            assertThat(worker.daily.room(aborted.sessionId())).isEmpty();
            assertThat(worker.daily.liveRoomNames()).containsExactly(committed.sessionId());
            assertThat(worker.daily.roomsCreated()).isEqualTo(1);
            assertThat(worker.reply(aborted.sessionId())).isEmpty();
            assertThat(worker.commandsFor(aborted.sessionId())).isEmpty();
        }
    }

    private static KafkaProducer<String, SessionEvent> transactionalProducer(WorkerHarness worker) {
        return new KafkaProducer<>(Map.of(
                        ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, TestKafka.bootstrapServers(),
                        ProducerConfig.TRANSACTIONAL_ID_CONFIG, TestKafka.uniqueId("facts-txn"),
                        ProducerConfig.LINGER_MS_CONFIG, 0),
                worker.topics.events().keySerde().serializer(), worker.topics.events().valueSerde().serializer());
    }
}
