package ai.ojin.session.connect.reply;

import ai.ojin.session.connect.kafka.AssignedConsumerLoop;
import ai.ojin.session.events.reply.SessionReply;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import java.util.List;
import java.util.function.Supplier;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads this instance's one partition of {@code session-replies} (assigned, not subscribed: no
 * group, no commits, {@code read_committed}), starting at its end, and hands each reply to
 * {@link PendingReplies}. Replies nobody waits for (timed out, or after a restart) are counted and
 * dropped, except the committed copy of a rejection already taken by {@link RejectionListener}
 * (counted as confirmed) and an admission whose caller was answered by a rejection that was then
 * aborted (handed to {@code unclaimedAdmission}, which releases it). The end
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
    private final Counter confirmed;
    private final java.util.function.Consumer<SessionReply> unclaimedAdmission;

    public ReplyListener(String topic, int partition, Supplier<Consumer<String, SessionReply>> consumers,
            PendingReplies pending, MeterRegistry meters) {
        this(topic, partition, consumers, pending, meters, reply -> { });
    }

    /**
     * @param unclaimedAdmission told of a success reply for a session whose caller already got a
     *     rejection read before its commit (the rejection was aborted and the request admitted)
     */
    public ReplyListener(String topic, int partition, Supplier<Consumer<String, SessionReply>> consumers,
            PendingReplies pending, MeterRegistry meters, java.util.function.Consumer<SessionReply> unclaimedAdmission) {
        super("replies-" + topic + "-" + partition, consumers, POLL);
        this.topic = topic;
        this.partition = partition;
        this.pending = pending;
        this.unclaimedAdmission = unclaimedAdmission;
        this.confirmed = Counter.builder("connect.replies.confirmed")
                .description("Committed rejections whose request was answered before the commit").register(meters);
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

    @Override
    protected void handle(ConsumerRecord<String, SessionReply> record) {
        received.increment();
        SessionReply reply = record.value();
        if (reply != null && pending.complete(reply)) {
            return;
        }
        if (reply != null && pending.answeredEarly(reply.sessionId())) {
            if (!reply.ok()) {
                confirmed.increment();
                return;
            }
            if (reply.roomUrl() != null) {
                log.warn("Session {} was admitted after its caller got a rejection read before the commit "
                        + "(that rejection was aborted); releasing it", reply.sessionId());
                unclaimedAdmission.accept(reply);
            }
        }
        unmatched.increment();
        log.debug("No request waits for reply {} (offset {})", reply, record.offset());
    }

    public double receivedCount() {
        return received.count();
    }

    public double unmatchedCount() {
        return unmatched.count();
    }
}
