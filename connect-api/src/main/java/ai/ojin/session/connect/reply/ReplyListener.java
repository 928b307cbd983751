package ai.ojin.session.connect.reply;

import ai.ojin.session.connect.kafka.AssignedConsumerLoop;
import ai.ojin.session.events.reply.SessionReply;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;
import java.util.function.Supplier;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads this instance's one partition of {@code session-replies} (assigned, not subscribed) and
 * hands each reply to {@link PendingReplies}; a reply no waiting request takes goes to
 * {@link UnclaimedReplies}, except the committed copy of a rejection {@link RejectionListener} already
 * answered its caller with (counted as confirmed). The consumer belongs to a group of this instance alone and commits its
 * position, so a restarted instance continues where it stopped and releases the sessions admitted
 * for callers that died with it. On the very first start (no committed position) it starts at the
 * end, and commits that position at once. The offsets of each poll are committed <em>before</em>
 * its replies are handed out: a crash can then lose the handling of a few replies (their callers
 * died with the process; the join lease frees those slots), but never makes a restarted instance
 * release a session whose caller it had already answered. The position is resolved in
 * {@link #start()}, before the web server accepts requests, so no reply to a request of this
 * instance can be skipped.
 * <p>
 * It reads {@code read_committed}: admissions are acted on only once committed. Rejections may
 * reach their caller earlier through {@link RejectionListener}; should such a rejection's
 * transaction abort and the command then be admitted, the committed success finds no waiting
 * request and {@link UnclaimedReplies} decides, by its one rule, whether to release it.
 */
public class ReplyListener extends AssignedConsumerLoop<String, SessionReply> {

    private static final Logger log = LoggerFactory.getLogger(ReplyListener.class);
    private static final Duration POLL = Duration.ofMillis(500);
    private static final Duration COMMIT_TIMEOUT = Duration.ofSeconds(5);

    private final String topic;
    private final int partition;
    private final PendingReplies pending;
    private final UnclaimedReplies unclaimed;
    private final Counter received;
    private final Counter unmatched;
    private final Counter confirmed;
    private final Predicate<SessionReply> heartbeats;
    private volatile long nextOffset = -1;

    public ReplyListener(String topic, int partition, Supplier<Consumer<String, SessionReply>> consumers,
            PendingReplies pending, UnclaimedReplies unclaimed, MeterRegistry meters) {
        this(topic, partition, consumers, pending, unclaimed, meters, reply -> false);
    }

    /** @param heartbeats takes the answers to heartbeats (true when the reply was one) */
    public ReplyListener(String topic, int partition, Supplier<Consumer<String, SessionReply>> consumers,
            PendingReplies pending, UnclaimedReplies unclaimed, MeterRegistry meters, Predicate<SessionReply> heartbeats) {
        super("replies-" + topic + "-" + partition, consumers, POLL);
        this.topic = topic;
        this.partition = partition;
        this.pending = pending;
        this.heartbeats = heartbeats;
        this.unclaimed = unclaimed;
        this.received = Counter.builder("connect.replies.received").description("Replies read from this instance's reply partition")
                .register(meters);
        this.unmatched = Counter.builder("connect.replies.unmatched").description("Replies no waiting request took")
                .register(meters);
        this.confirmed = Counter.builder("connect.replies.confirmed")
                .description("Committed rejections whose request was answered before the commit").register(meters);
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
        OffsetAndMetadata committed = c.committed(java.util.Set.of(tp)).get(tp);
        if (committed == null) {
            c.seekToEnd(List.of(tp));
        }
        long position = c.position(tp);
        c.commitSync(Map.of(tp, new OffsetAndMetadata(position)), COMMIT_TIMEOUT);
        log.info("Reading replies from {} at offset {} ({})", tp, position,
                committed == null ? "first start: from the end" : "where this instance stopped");
    }

    @Override
    protected void beforeRecords(Consumer<String, SessionReply> c, ConsumerRecords<String, SessionReply> records) {
        Map<TopicPartition, OffsetAndMetadata> offsets = new HashMap<>();
        for (TopicPartition tp : records.partitions()) {
            List<ConsumerRecord<String, SessionReply>> batch = records.records(tp);
            offsets.put(tp, new OffsetAndMetadata(batch.get(batch.size() - 1).offset() + 1));
        }
        try {
            c.commitSync(offsets, COMMIT_TIMEOUT);
        } catch (KafkaException e) {
            // Answering the waiting callers matters more; a crash before the next commit could then
            // release sessions answered in this batch.
            log.warn("Could not commit the reply position {} before handling; handling anyway: {}", offsets, e.toString());
        }
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
        if (reply != null && pending.complete(reply)) {
            unclaimed.taken(reply);
            return;
        }
        boolean answeredEarly = reply != null && pending.answeredEarly(reply.sessionId());
        if (answeredEarly && !reply.ok()) {
            confirmed.increment();
            return;
        }
        unmatched.increment();
        log.debug("No request waits for reply {} (offset {})", reply, record.offset());
        unclaimed.unclaimed(reply, answeredEarly);
    }

    public double receivedCount() {
        return received.count();
    }

    public double unmatchedCount() {
        return unmatched.count();
    }

    public double confirmedCount() {
        return confirmed.count();
    }
}
