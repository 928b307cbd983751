package ai.ojin.session.connect.reply;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import ai.ojin.session.events.reply.SessionReply;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.MockConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.Node;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * When the reply reader commits its position, driven with a {@link MockConsumer}: before handing
 * out a poll that holds an admission (so a restarted instance never releases a session whose
 * caller it answered), and lazily for rejections, which change nothing when read again.
 */
class ReplyCommitsTest {

    private static final String TOPIC = "replies";
    private static final TopicPartition P0 = new TopicPartition(TOPIC, 0);

    private final SyncCommits consumer = new SyncCommits();
    private final PendingReplies pending = new PendingReplies();
    private ReplyListener listener;

    @AfterEach
    void stop() {
        if (listener != null) {
            listener.stop();
        }
    }

    @Test
    void shouldHandOutABatchOfRejectionsWithoutCommittingItFirst() throws Exception {
        // given
        start(Duration.ofHours(1));
        CompletableFuture<SessionReply> waiting = pending.register("agent-1:s-2").future();

        // when: three rejections, the second one for the waiting request
        send(rejection("agent-1:s-1"), rejection("agent-1:s-2"), rejection("agent-1:s-3"));

        // then: answered, and the position is still the one resolved at the start
        assertThat(waiting.get(10, TimeUnit.SECONDS).ok()).isFalse();
        await().atMost(Duration.ofSeconds(10)).until(() -> listener.receivedCount() == 3);
        assertThat(consumer.syncCommits).containsExactly(0L);
        assertThat(committed()).isZero();
    }

    @Test
    void shouldCommitABatchThatHoldsAnAdmissionBeforeHandingItOut() throws Exception {
        // given
        start(Duration.ofHours(1));
        CompletableFuture<Long> committedWhenAnswered = pending.register("agent-1:s-2").future()
                .thenApply(reply -> committed());

        // when: a rejection, then the waiting request's admission
        send(rejection("agent-1:s-1"), SessionReply.success("agent-1:s-2", "https://rooms/r", "token", "instance-a"));

        // then: the position past both was committed before the caller got its room
        assertThat(committedWhenAnswered.get(10, TimeUnit.SECONDS)).isEqualTo(2L);
        assertThat(consumer.syncCommits).containsExactly(0L, 2L);
    }

    @Test
    void shouldCommitThePositionOfRejectionsWithinTheLazyInterval() {
        // given
        start(Duration.ofMillis(200));

        // when
        send(rejection("agent-1:s-1"), rejection("agent-1:s-2"));

        // then: committed without a commit of its own before the handling
        await().atMost(Duration.ofSeconds(10)).until(() -> committed() == 2L);
        assertThat(consumer.syncCommits).containsExactly(0L);
    }

    private void start(Duration lazyCommit) {
        consumer.updatePartitions(TOPIC, List.of(new PartitionInfo(TOPIC, 0, Node.noNode(), null, null)));
        consumer.updateEndOffsets(Map.of(P0, 0L));
        AnsweredSessions answered = new AnsweredSessions(Duration.ofMinutes(1), 100, Clock.systemUTC());
        // No success here names this instance, so nothing is ever released (no command is sent).
        UnclaimedReplies unclaimed = new UnclaimedReplies("instance-b", answered, null, new SimpleMeterRegistry(),
                Clock.systemUTC());
        listener = new ReplyListener(TOPIC, 0, () -> consumer, pending, unclaimed, new SimpleMeterRegistry(), reply -> false,
                lazyCommit);
        listener.start();
        await().atMost(Duration.ofSeconds(10)).until(() -> pending.owned().contains(0));
    }

    private void send(SessionReply... replies) {
        consumer.schedulePollTask(() -> {
            long offset = consumer.endOffsets(List.of(P0)).get(P0);
            for (SessionReply reply : replies) {
                consumer.addRecord(new ConsumerRecord<>(TOPIC, 0, offset++, reply.sessionId(), reply));
            }
            consumer.updateEndOffsets(Map.of(P0, offset));
        });
    }

    private long committed() {
        OffsetAndMetadata offset = consumer.committed(Set.of(P0)).get(P0);
        return offset == null ? -1 : offset.offset();
    }

    private static SessionReply rejection(String sessionId) {
        return SessionReply.rejected(sessionId, 5, "at its limit");
    }

    /** Records the offsets of each synchronous commit. */
    private static final class SyncCommits extends MockConsumer<String, SessionReply> {

        final List<Long> syncCommits = new CopyOnWriteArrayList<>();

        SyncCommits() {
            super("latest");
        }

        @Override
        public synchronized void commitSync(Map<TopicPartition, OffsetAndMetadata> offsets, Duration timeout) {
            syncCommits.add(offsets.get(P0).offset());
            super.commitSync(offsets, timeout);
        }
    }
}
