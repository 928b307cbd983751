package ai.ojin.session.connect.reply;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import ai.ojin.session.connect.support.RunningApi;
import ai.ojin.session.events.SessionIds;
import ai.ojin.session.events.reply.SessionReply;
import ai.ojin.session.events.topic.SessionTopics;
import ai.ojin.session.testkit.TestKafka;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;

/**
 * The processor writes replies inside exactly-once transactions: the running instance's
 * {@link ReplyListener} (with the consumer settings of {@code KafkaConfig.consumerSource}) must
 * only complete a waiting request with a reply of a committed transaction.
 */
class TransactionalRepliesTest {

    private static final Duration WAIT = Duration.ofSeconds(30);
    private static final int REPLY_PARTITION = 1;

    @Test
    void shouldCompleteAWaitingRequestOnlyWithACommittedReply() throws Exception {
        SessionTopics topics = TestKafka.newTopics();
        try (RunningApi api = RunningApi.start(topics, Map.of("connect.reply-partition", String.valueOf(REPLY_PARTITION)));
                KafkaProducer<String, SessionReply> producer = transactionalProducer(topics)) {
            // given: a request waiting for its reply, and a second one used as a marker
            PendingReplies pending = api.bean(PendingReplies.class);
            String sessionId = SessionIds.newSessionId("txn-agent");
            String markerId = SessionIds.newSessionId("txn-marker");
            CompletableFuture<SessionReply> waiting = pending.register(sessionId).future();
            CompletableFuture<SessionReply> marker = pending.register(markerId).future();
            producer.initTransactions();

            // when: its reply is written in a transaction that aborts, then the marker's in one that commits
            producer.beginTransaction();
            producer.send(reply(topics, SessionReply.success(sessionId, "https://rooms.test/aborted", "tok-aborted"))).get();
            producer.abortTransaction();
            producer.beginTransaction();
            producer.send(reply(topics, SessionReply.success(markerId, "https://rooms.test/marker", "tok-marker"))).get();
            producer.commitTransaction();

            // then: the listener has read past the aborted reply, and the request still waits
            await().atMost(WAIT).until(marker::isDone);
            assertThat(waiting).isNotDone();
            assertThat(pending.size()).isEqualTo(1);

            // when: its reply is written again, in a transaction that commits
            producer.beginTransaction();
            producer.send(reply(topics, SessionReply.success(sessionId, "https://rooms.test/committed", "tok-committed"))).get();
            producer.commitTransaction();

            // then: the request completes with the committed reply
            await().atMost(WAIT).until(waiting::isDone);
            assertThat(waiting.join().token()).isEqualTo("tok-committed");
            assertThat(waiting.join().roomUrl()).isEqualTo("https://rooms.test/committed");
            assertThat(pending.size()).isZero();
            ReplyListener listener = api.bean(ReplyListener.class);
            assertThat(listener.receivedCount()).isEqualTo(2);
            assertThat(listener.unmatchedCount()).isZero();
        }
    }

    private static ProducerRecord<String, SessionReply> reply(SessionTopics topics, SessionReply reply) {
        return topics.replies().record(REPLY_PARTITION, reply.sessionId(), reply);
    }

    private static KafkaProducer<String, SessionReply> transactionalProducer(SessionTopics topics) {
        return new KafkaProducer<>(Map.of(
                        ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, TestKafka.bootstrapServers(),
                        ProducerConfig.TRANSACTIONAL_ID_CONFIG, TestKafka.uniqueId("replies-txn"),
                        ProducerConfig.LINGER_MS_CONFIG, 0),
                topics.replies().keySerde().serializer(), topics.replies().valueSerde().serializer());
    }
}
