package ai.ojin.session.connect.reply;

import ai.ojin.session.support.kafka.AssignedConsumerLoop;
import ai.ojin.session.events.reply.SessionReply;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import java.util.List;
import java.util.function.Supplier;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.TopicPartition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads {@code session-replies} a second time, with {@code read_uncommitted}, and acts only on
 * rejections (replies with an error code): a caller who is refused (429
 * {@code concurrency_limit}, 404 {@code session_not_found}) learns it as soon as the processor
 * wrote the rejection, without waiting for its exactly-once commit. Should that transaction abort,
 * the caller was refused by a decision that did not stand: at worst it retries (and when the
 * command is decided again as an admission, {@link ReplyListener} releases it). Admissions, i.e.
 * success replies, are never taken here: they are acted on only once committed.
 * <p>
 * It reads every partition of the topic (assigned, no group): the partitions this instance owns
 * change with group membership, and a rejection is acted on only when a request of this instance
 * waits for its session, so another instance's rejections pass by. With a partition set by hand
 * ({@code connect.reply-partition}) it reads that one only. Partitions added while it runs are not
 * read here; rejections on them reach their callers through {@link ReplyListener}, after the commit.
 * <p>
 * It costs about one broker fetch per rejection written; {@code connect.early-rejections=false}
 * leaves it out (rejections are then answered after the commit, like successes).
 */
public class RejectionListener extends AssignedConsumerLoop<String, SessionReply> {

    private static final Logger log = LoggerFactory.getLogger(RejectionListener.class);
    private static final Duration POLL = Duration.ofMillis(500);

    private final String topic;
    private final int partition;
    private final PendingReplies pending;
    private final Counter early;

    public RejectionListener(String topic, int partition, Supplier<Consumer<String, SessionReply>> uncommittedConsumers,
            PendingReplies pending, MeterRegistry meters) {
        super("rejections-" + topic + (partition < 0 ? "" : "-" + partition), uncommittedConsumers, POLL);
        this.topic = topic;
        this.partition = partition;
        this.pending = pending;
        this.early = Counter.builder("connect.replies.early_rejections")
                .description("Rejections acted on before the processor's commit").register(meters);
    }

    @Override
    protected void position(Consumer<String, SessionReply> c) {
        List<TopicPartition> partitions = partition >= 0 ? List.of(new TopicPartition(topic, partition))
                : c.partitionsFor(topic).stream().map(info -> new TopicPartition(topic, info.partition())).toList();
        c.assign(partitions);
        c.seekToEnd(partitions);
        partitions.forEach(c::position);
        log.info("Reading rejections (uncommitted) from {} partitions of {} from their end", partitions.size(), topic);
    }

    @Override
    protected void handle(ConsumerRecord<String, SessionReply> record) {
        SessionReply reply = record.value();
        if (reply != null && !reply.ok() && pending.completeEarly(reply)) {
            early.increment();
        }
    }

    public double earlyCount() {
        return early.count();
    }
}
