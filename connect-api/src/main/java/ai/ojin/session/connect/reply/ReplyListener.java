package ai.ojin.session.connect.reply;

import ai.ojin.session.support.kafka.AssignedConsumerLoop;
import ai.ojin.session.events.reply.SessionReply;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Predicate;
import java.util.function.Supplier;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads the partitions of {@code session-replies} this instance owns and hands each reply to
 * {@link PendingReplies}; a reply no waiting request takes goes to {@link UnclaimedReplies}, except
 * the committed copy of a rejection {@link RejectionListener} already answered its caller with
 * (counted as confirmed).
 * <p>
 * Two ways to own partitions:
 * <ul>
 *   <li>By group membership (the default, {@code partition < 0}): every instance subscribes in one
 *       consumer group, as a static member, with cooperative rebalancing. Requests name only
 *       partitions this instance owns ({@link PendingReplies#assigned}); a partition taken away
 *       fails the requests that named it ({@link PendingReplies#revoked}), which answer 500 and
 *       release their session, because their reply now goes to another instance, which ignores
 *       it (it names the requesting instance, see {@link UnclaimedReplies}).</li>
 *   <li>By hand ({@code connect.reply-partition}): one partition, assigned, with a consumer group
 *       of this instance alone.</li>
 * </ul>
 * Either way the group commits the position, so a restarted instance (same instance id) continues
 * where it stopped and releases the sessions admitted for callers that died with it. Without a
 * committed position a partition is read from its end; that position is resolved and committed
 * before a request may name the partition, so no reply to a request of this instance is skipped.
 * The offsets of a poll that holds an admission are committed <em>before</em> its replies are
 * handed out: a crash can then lose the handling of a few replies (their callers died with the
 * process; the join lease frees those slots), but never makes a restarted instance release a
 * session whose caller it had already answered. A poll of rejections and heartbeats only (most of
 * them under load, and all of them while idle) is not committed on its own: read again after a
 * crash, such replies change nothing ({@link UnclaimedReplies} only counts them). Their position
 * is committed with the next admission's, and otherwise asynchronously at most once per
 * {@link #LAZY_COMMIT} (5 s), and for a partition that is revoked, before it goes.
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
    /** How long the position of replies that need no commit of their own may stay uncommitted. */
    static final Duration LAZY_COMMIT = Duration.ofSeconds(5);

    /** {@code partition} value: partitions come from group membership. */
    public static final int FROM_GROUP = -1;

    private final String topic;
    private final int partition;
    private final PendingReplies pending;
    private final UnclaimedReplies unclaimed;
    private final Counter received;
    private final Counter unmatched;
    private final Counter confirmed;
    private final Predicate<SessionReply> heartbeats;
    private final Duration lazyCommit;
    private volatile long nextOffset = -1;
    /** Read but not yet committed, on the polling thread only. */
    private final Map<TopicPartition, OffsetAndMetadata> uncommitted = new HashMap<>();
    private long lastCommitNanos = System.nanoTime();

    public ReplyListener(String topic, int partition, Supplier<Consumer<String, SessionReply>> consumers,
            PendingReplies pending, UnclaimedReplies unclaimed, MeterRegistry meters) {
        this(topic, partition, consumers, pending, unclaimed, meters, reply -> false);
    }

    /**
     * @param partition the partition to read, or {@link #FROM_GROUP}
     * @param heartbeats takes the answers to heartbeats (true when the reply was one)
     */
    public ReplyListener(String topic, int partition, Supplier<Consumer<String, SessionReply>> consumers,
            PendingReplies pending, UnclaimedReplies unclaimed, MeterRegistry meters, Predicate<SessionReply> heartbeats) {
        this(topic, partition, consumers, pending, unclaimed, meters, heartbeats, LAZY_COMMIT);
    }

    /** @param lazyCommit how long the position of replies that need no commit of their own may stay uncommitted */
    ReplyListener(String topic, int partition, Supplier<Consumer<String, SessionReply>> consumers, PendingReplies pending,
            UnclaimedReplies unclaimed, MeterRegistry meters, Predicate<SessionReply> heartbeats, Duration lazyCommit) {
        super("replies-" + topic + (partition < 0 ? "" : "-" + partition), consumers, POLL);
        this.topic = topic;
        this.partition = partition;
        this.pending = pending;
        this.heartbeats = heartbeats;
        this.unclaimed = unclaimed;
        this.lazyCommit = lazyCommit;
        this.received = Counter.builder("connect.replies.received").description("Replies read from this instance's reply partitions")
                .register(meters);
        this.unmatched = Counter.builder("connect.replies.unmatched").description("Replies no waiting request took")
                .register(meters);
        this.confirmed = Counter.builder("connect.replies.confirmed")
                .description("Committed rejections whose request was answered before the commit").register(meters);
    }

    private boolean fromGroup() {
        return partition < 0;
    }

    @Override
    protected void position(Consumer<String, SessionReply> c) {
        if (fromGroup()) {
            c.subscribe(List.of(topic), new Rebalance(c));
            log.info("Subscribed to {}: this instance's reply partitions come from group membership", topic);
            return;
        }
        List<PartitionInfo> infos = c.partitionsFor(topic);
        if (infos == null || infos.size() <= partition) {
            throw new IllegalStateException("connect.reply-partition is " + partition + " but topic " + topic + " has "
                    + (infos == null ? 0 : infos.size()) + " partitions");
        }
        TopicPartition tp = new TopicPartition(topic, partition);
        c.assign(List.of(tp));
        long position = resolveAndCommit(c, List.of(tp)).get(tp);
        pending.assigned(List.of(partition));
        log.info("Reading replies from {} at offset {}", tp, position);
    }

    /** The position of each partition (committed, or the end), committed at once; before any request names it. */
    private static Map<TopicPartition, Long> resolveAndCommit(Consumer<String, SessionReply> c, Collection<TopicPartition> partitions) {
        Map<TopicPartition, OffsetAndMetadata> committed = c.committed(Set.copyOf(partitions));
        Map<TopicPartition, Long> positions = new HashMap<>();
        Map<TopicPartition, OffsetAndMetadata> commit = new HashMap<>();
        for (TopicPartition tp : partitions) {
            if (committed.get(tp) == null) {
                c.seekToEnd(List.of(tp));
            }
            long position = c.position(tp);
            positions.put(tp, position);
            commit.put(tp, new OffsetAndMetadata(position));
        }
        c.commitSync(commit, COMMIT_TIMEOUT);
        return positions;
    }

    @Override
    protected void beforeRecords(Consumer<String, SessionReply> c, ConsumerRecords<String, SessionReply> records) {
        boolean admits = false;
        for (TopicPartition tp : records.partitions()) {
            List<ConsumerRecord<String, SessionReply>> batch = records.records(tp);
            uncommitted.put(tp, new OffsetAndMetadata(batch.get(batch.size() - 1).offset() + 1));
            for (ConsumerRecord<String, SessionReply> record : batch) {
                admits |= record.value() != null && record.value().admitsToRoom();
            }
        }
        if (!admits) {
            return;
        }
        Map<TopicPartition, OffsetAndMetadata> offsets = Map.copyOf(uncommitted);
        try {
            c.commitSync(offsets, COMMIT_TIMEOUT);
            committed(offsets);
        } catch (KafkaException e) {
            // Answering the waiting callers matters more; a crash before the next commit could then
            // release sessions answered in this batch.
            log.warn("Could not commit the reply position {} before handling; handling anyway: {}", offsets, e.toString());
        }
    }

    /** Commits, without waiting, a position left uncommitted for the lazy-commit interval. */
    @Override
    protected void afterPoll(Consumer<String, SessionReply> c) {
        if (uncommitted.isEmpty() || System.nanoTime() - lastCommitNanos < lazyCommit.toNanos()) {
            return;
        }
        Map<TopicPartition, OffsetAndMetadata> offsets = Map.copyOf(uncommitted);
        lastCommitNanos = System.nanoTime();
        c.commitAsync(offsets, (done, e) -> {
            if (e == null) {
                committed(done);
            } else {
                log.info("Could not commit the reply position {} (replies that need no commit; tried again later): {}", done,
                        e.toString());
            }
        });
    }

    /** Runs on the polling thread (commitSync, or an async commit's callback inside poll). */
    private void committed(Map<TopicPartition, OffsetAndMetadata> offsets) {
        lastCommitNanos = System.nanoTime();
        offsets.forEach((tp, offset) -> uncommitted.remove(tp, offset));
    }

    /**
     * After a failure. By hand: on from the next unread reply, so no reply of a waiting request is
     * skipped. From the group: the old consumer's partitions are given up (their waiting requests
     * fail) and the new consumer joins again under the same static member id.
     */
    @Override
    protected void reposition(Consumer<String, SessionReply> c) {
        // Never commit a position read by the old consumer: its partitions may have another owner by now.
        uncommitted.clear();
        if (fromGroup()) {
            giveUpAll("the reply consumer starts over");
            position(c);
            return;
        }
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
    protected void onStopped() {
        if (fromGroup()) {
            giveUpAll("the reply consumer stopped");
        }
    }

    private void giveUpAll(String why) {
        Set<Integer> owned = pending.owned();
        if (!owned.isEmpty()) {
            int failed = pending.revoked(owned);
            log.info("Gave up reply partitions {} ({}); {} waiting requests failed", owned, why, failed);
        }
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
        boolean answeredEarly = reply != null && pending.answeredEarly(reply.waitingId());
        if (answeredEarly && !reply.ok()) {
            confirmed.increment();
            return;
        }
        unmatched.increment();
        log.debug("No request waits for reply {} (offset {})", reply, record.offset());
        unclaimed.unclaimed(reply, answeredEarly);
    }

    /** The partitions this instance reads now (requests name one of them). */
    public Set<Integer> ownedPartitions() {
        return pending.owned();
    }

    /** True while the consumer polls and owns at least one partition, so that a request can name one. */
    public boolean isServing() {
        return isReading() && !pending.owned().isEmpty();
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

    /** Runs on the polling thread, inside poll(). */
    private final class Rebalance implements ConsumerRebalanceListener {

        private final Consumer<String, SessionReply> consumer;

        Rebalance(Consumer<String, SessionReply> consumer) {
            this.consumer = consumer;
        }

        @Override
        public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
            if (partitions.isEmpty()) {
                return;
            }
            Map<TopicPartition, Long> positions = resolveAndCommit(consumer, partitions);
            pending.assigned(partitions.stream().map(TopicPartition::partition).toList());
            log.info("Reply partitions assigned: {} (now reading {})", positions, pending.owned());
        }

        @Override
        public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
            Map<TopicPartition, OffsetAndMetadata> offsets = new HashMap<>();
            partitions.forEach(tp -> {
                OffsetAndMetadata offset = uncommitted.remove(tp);
                if (offset != null) {
                    offsets.put(tp, offset);
                }
            });
            if (!offsets.isEmpty()) {
                try {
                    consumer.commitSync(offsets, COMMIT_TIMEOUT);
                } catch (KafkaException e) {
                    log.info("Could not commit the position {} of revoked reply partitions (their next owner reads those "
                            + "replies again, which changes nothing): {}", offsets, e.toString());
                }
            }
            giveUp(partitions, "revoked");
        }

        @Override
        public void onPartitionsLost(Collection<TopicPartition> partitions) {
            partitions.forEach(uncommitted::remove);
            giveUp(partitions, "lost");
        }

        private void giveUp(Collection<TopicPartition> partitions, String how) {
            if (partitions.isEmpty()) {
                return;
            }
            int failed = pending.revoked(partitions.stream().map(TopicPartition::partition).toList());
            log.info("Reply partitions {}: {}; {} waiting requests on them answer internal_error and release their session",
                    how, partitions, failed);
        }
    }
}
