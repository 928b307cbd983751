package ai.ojin.session.connect.reply;

import ai.ojin.session.connect.kafka.AssignedConsumerLoop;
import ai.ojin.session.events.reply.SessionReply;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import java.util.List;
import java.util.function.Predicate;
import java.util.function.Supplier;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads this instance's one partition of {@code session-replies} (assigned, not subscribed: no
 * group, no commits), starting at its end, and hands each reply to {@link PendingReplies}.
 * Replies nobody waits for (timed out, or after a restart) are counted and dropped. The end
 * offset is resolved in {@link #start()}, before the web server accepts requests, so no reply to
 * a request of this instance can be skipped.
 */
public class ReplyListener extends AssignedConsumerLoop<String, SessionReply> {

    private static final Logger log = LoggerFactory.getLogger(ReplyListener.class);
    private static final Duration POLL = Duration.ofMillis(500);

    private final String topic;
    private final int partition;
    private final PendingReplies pending;
    private final Counter received;
    private final Counter unmatched;
    private final Predicate<SessionReply> heartbeats;
    private volatile long nextOffset = -1;

    public ReplyListener(String topic, int partition, Supplier<Consumer<String, SessionReply>> consumers,
            PendingReplies pending, MeterRegistry meters) {
        this(topic, partition, consumers, pending, meters, reply -> false);
    }

    /** @param heartbeats takes the answers to heartbeats (true when the reply was one) */
    public ReplyListener(String topic, int partition, Supplier<Consumer<String, SessionReply>> consumers,
            PendingReplies pending, MeterRegistry meters, Predicate<SessionReply> heartbeats) {
        super("replies-" + topic + "-" + partition, consumers, POLL);
        this.topic = topic;
        this.partition = partition;
        this.pending = pending;
        this.heartbeats = heartbeats;
        this.received = Counter.builder("connect.replies.received").description("Replies read from this instance's reply partition")
                .register(meters);
        this.unmatched = Counter.builder("connect.replies.unmatched").description("Replies no waiting request took")
                .register(meters);
    }

    @Override
    protected void position(Consumer<String, SessionReply> c) {
        List<PartitionInfo> infos = c.partitionsFor(topic);
        if (infos == null || infos.size() <= partition) {
            throw new IllegalStateException("connect.reply-partition is " + partition + " but topic " + topic + " has "
                    + (infos == null ? 0 : infos.size()) + " partitions");
        }
        TopicPartition tp = new TopicPartition(topic, partition);
        c.assign(List.of(tp));
        c.seekToEnd(List.of(tp));
        log.info("Reading replies from {} at offset {}", tp, c.position(tp));
    }

    /** After a failure: on from the next unread reply, so no reply of a waiting request is skipped. */
    @Override
    protected void reposition(Consumer<String, SessionReply> c) {
        long next = nextOffset;
        if (next < 0) {
            position(c);
            return;
        }
        TopicPartition tp = new TopicPartition(topic, partition);
        c.assign(List.of(tp));
        c.seek(tp, next);
        log.info("Reading replies from {} again at offset {}", tp, next);
    }

    @Override
    protected void handle(ConsumerRecord<String, SessionReply> record) {
        nextOffset = record.offset() + 1;
        SessionReply reply = record.value();
        if (reply != null && heartbeats.test(reply)) {
            return;
        }
        received.increment();
        if (reply == null || !pending.complete(reply)) {
            unmatched.increment();
            log.debug("No request waits for reply {} (offset {})", reply, record.offset());
        }
    }

    public double receivedCount() {
        return received.count();
    }

    public double unmatchedCount() {
        return unmatched.count();
    }
}
