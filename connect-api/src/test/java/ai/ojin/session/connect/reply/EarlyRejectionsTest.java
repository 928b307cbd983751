package ai.ojin.session.connect.reply;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import ai.ojin.session.connect.support.RunningApi;
import ai.ojin.session.connect.support.TestPipeline;
import ai.ojin.session.events.SessionIds;
import ai.ojin.session.events.command.EndReason;
import ai.ojin.session.events.command.ReleaseSession;
import ai.ojin.session.events.reply.ErrorCode;
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
import org.springframework.beans.factory.NoSuchBeanDefinitionException;

/**
 * Rejections are acted on before the processor's transaction commits ({@link RejectionListener},
 * read_uncommitted); success replies only once committed ({@link ReplyListener}, read_committed).
 */
class EarlyRejectionsTest {

    private static final Duration WAIT = Duration.ofSeconds(30);
    private static final int REPLY_PARTITION = 2;

    @Test
    void shouldAnswerARejectionBeforeItsTransactionCommitsAndASuccessOnlyAfter() throws Exception {
        SessionTopics topics = TestKafka.newTopics();
        // reply partitions from group membership (the default): the rejection listener reads them all
        try (RunningApi api = RunningApi.start(topics, Map.of());
                KafkaProducer<String, SessionReply> producer = transactionalProducer()) {
            // given: two waiting requests, on the partitions this instance owns
            PendingReplies pending = api.bean(PendingReplies.class);
            await().atMost(WAIT).until(() -> !pending.owned().isEmpty());
            String rejectedId = SessionIds.newSessionId("early-agent");
            String admittedId = SessionIds.newSessionId("early-agent");
            PendingReplies.Waiting rejectedWaiting = pending.register(rejectedId);
            PendingReplies.Waiting admittedWaiting = pending.register(admittedId);
            CompletableFuture<SessionReply> rejected = rejectedWaiting.future();
            CompletableFuture<SessionReply> admitted = admittedWaiting.future();
            producer.initTransactions();

            // when: a rejection and a success are written in one transaction that is still open
            producer.beginTransaction();
            producer.send(reply(topics, rejectedWaiting.partition(),
                    SessionReply.rejected(rejectedId, 7, "Agent is at its concurrency limit"))).get();
            producer.send(reply(topics, admittedWaiting.partition(),
                    SessionReply.success(admittedId, "https://rooms.test/a", "tok-a"))).get();

            // then: the rejection is answered at once, the success waits for the commit
            await().atMost(WAIT).until(rejected::isDone);
            assertThat(rejected.join().errorCode()).isEqualTo(ErrorCode.CONCURRENCY_LIMIT);
            assertThat(rejected.join().retryAfterSeconds()).isEqualTo(7);
            await().during(Duration.ofSeconds(1)).atMost(Duration.ofSeconds(5)).until(() -> !admitted.isDone());

            // when: the transaction commits
            producer.commitTransaction();

            // then: the success is answered, and the committed copy of the rejection is recognised
            await().atMost(WAIT).until(admitted::isDone);
            assertThat(admitted.join().token()).isEqualTo("tok-a");
            ReplyListener committed = api.bean(ReplyListener.class);
            await().atMost(WAIT).until(() -> committed.receivedCount() == 2);
            assertThat(committed.unmatchedCount()).isZero();
            assertThat(api.bean(RejectionListener.class).earlyCount()).isEqualTo(1);
            assertThat(pending.size()).isZero();
        }
    }

    @Test
    void shouldAnswerARejectionOnlyOnceCommittedWhenEarlyRejectionsAreOff() throws Exception {
        SessionTopics topics = TestKafka.newTopics();
        try (RunningApi api = RunningApi.start(topics, Map.of("connect.early-rejections", "false"));
                KafkaProducer<String, SessionReply> producer = transactionalProducer()) {
            // given: a waiting request, and no early-rejection reader
            assertThatThrownBy(() -> api.bean(RejectionListener.class)).isInstanceOf(NoSuchBeanDefinitionException.class);
            PendingReplies pending = api.bean(PendingReplies.class);
            await().atMost(WAIT).until(() -> !pending.owned().isEmpty());
            String sessionId = SessionIds.newSessionId("late-agent");
            PendingReplies.Waiting waiting = pending.register(sessionId);
            producer.initTransactions();

            // when: its rejection is written in a transaction that is still open
            producer.beginTransaction();
            producer.send(reply(topics, waiting.partition(), SessionReply.rejected(sessionId, 7, "Agent is at its limit"))).get();

            // then: it is not answered before the commit, and is answered after it
            await().during(Duration.ofSeconds(1)).atMost(Duration.ofSeconds(5)).until(() -> !waiting.future().isDone());
            producer.commitTransaction();
            await().atMost(WAIT).until(waiting.future()::isDone);
            assertThat(waiting.future().join().errorCode()).isEqualTo(ErrorCode.CONCURRENCY_LIMIT);
            assertThat(api.bean(ReplyListener.class).unmatchedCount()).isZero();
        }
    }

    @Test
    void shouldReleaseASessionAdmittedAfterItsCallerGotARejectionThatAborted() throws Exception {
        SessionTopics topics = TestKafka.newTopics();
        try (RunningApi api = RunningApi.start(topics, Map.of("connect.reply-partition", String.valueOf(REPLY_PARTITION)));
                TestPipeline commands = TestPipeline.start(topics, command -> null);
                KafkaProducer<String, SessionReply> producer = transactionalProducer()) {
            // given: a waiting request answered by a rejection whose transaction then aborts
            String sessionId = SessionIds.newSessionId("aborted-agent");
            SessionReply answer = answeredByARejectionThatAborts(api, topics, producer, sessionId);
            assertThat(answer.errorCode()).isEqualTo(ErrorCode.CONCURRENCY_LIMIT);

            // when: the command, decided again, is admitted and set up (a committed success reply)
            producer.beginTransaction();
            producer.send(reply(topics, SessionReply.success(sessionId, "https://rooms.test/late", "tok-late"))).get();
            producer.commitTransaction();

            // then: nobody will join it, so it is released as abandoned
            await().atMost(WAIT).until(() -> commands.commands().stream().anyMatch(c -> c.sessionId().equals(sessionId)));
            assertThat(commands.commands()).filteredOn(c -> sessionId.equals(c.sessionId()))
                    .singleElement().isInstanceOfSatisfying(ReleaseSession.class, r -> {
                assertThat(r.reason()).isEqualTo(EndReason.ABANDONED);
                assertThat(r.agentId()).isEqualTo("aborted-agent");
            });
        }
    }

    @Test
    void shouldReleaseOnceWhenTheSessionOfAnAbortedEarlyRejectionGetsTwoCommittedSuccesses() throws Exception {
        SessionTopics topics = TestKafka.newTopics();
        try (RunningApi api = RunningApi.start(topics, Map.of("connect.reply-partition", String.valueOf(REPLY_PARTITION)));
                TestPipeline commands = TestPipeline.start(topics, command -> null);
                KafkaProducer<String, SessionReply> producer = transactionalProducer()) {
            // given: a request answered by an early rejection whose transaction aborted
            ReplyListener committed = api.bean(ReplyListener.class);
            String sessionId = SessionIds.newSessionId("twice-agent");
            answeredByARejectionThatAborts(api, topics, producer, sessionId);

            // when: the admission's success is committed twice (the worker re-ran the set-up)
            producer.beginTransaction();
            producer.send(reply(topics, SessionReply.success(sessionId, "https://rooms.test/late", "tok-1"))).get();
            producer.commitTransaction();
            producer.beginTransaction();
            producer.send(reply(topics, SessionReply.success(sessionId, "https://rooms.test/late", "tok-2"))).get();
            producer.commitTransaction();

            // then: both successes were read, and the session was released exactly once
            await().atMost(WAIT).until(() -> committed.receivedCount() >= 2
                    && commands.commands().stream().anyMatch(c -> sessionId.equals(c.sessionId())));
            await().during(Duration.ofSeconds(1)).atMost(Duration.ofSeconds(5)).until(() ->
                    commands.commands().stream().filter(c -> sessionId.equals(c.sessionId())).count() == 1);
            assertThat(commands.commands()).filteredOn(c -> sessionId.equals(c.sessionId()))
                    .singleElement().isInstanceOf(ReleaseSession.class);
        }
    }

    /**
     * Registers a waiting request for the session, writes a rejection for it in a transaction,
     * waits until the request is answered with it (before any commit), then aborts the transaction.
     */
    private static SessionReply answeredByARejectionThatAborts(RunningApi api, SessionTopics topics,
            KafkaProducer<String, SessionReply> producer, String sessionId) throws Exception {
        CompletableFuture<SessionReply> waiting = api.bean(PendingReplies.class).register(sessionId).future();
        producer.initTransactions();
        producer.beginTransaction();
        producer.send(reply(topics, SessionReply.rejected(sessionId, 3, "Agent is at its concurrency limit"))).get();
        await().atMost(WAIT).until(waiting::isDone);
        producer.abortTransaction();
        return waiting.join();
    }

    private static ProducerRecord<String, SessionReply> reply(SessionTopics topics, SessionReply reply) {
        return reply(topics, REPLY_PARTITION, reply);
    }

    private static ProducerRecord<String, SessionReply> reply(SessionTopics topics, int partition, SessionReply reply) {
        return topics.replies().record(partition, reply.sessionId(), reply);
    }

    private static KafkaProducer<String, SessionReply> transactionalProducer() {
        SessionTopics any = SessionTopics.DEFAULT;
        return new KafkaProducer<>(Map.of(
                        ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, TestKafka.bootstrapServers(),
                        ProducerConfig.TRANSACTIONAL_ID_CONFIG, TestKafka.uniqueId("early-replies-txn"),
                        ProducerConfig.LINGER_MS_CONFIG, 0),
                any.replies().keySerde().serializer(), any.replies().valueSerde().serializer());
    }
}
