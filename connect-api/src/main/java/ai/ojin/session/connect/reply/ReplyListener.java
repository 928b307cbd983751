package ai.ojin.session.connect.reply;

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
import org.apache.kafka.common.errors.RecordDeserializationException;
import org.apache.kafka.common.errors.WakeupException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.SmartLifecycle;

/**
 * Reads this instance's one partition of {@code session-replies} (assigned, not subscribed: no
 * group, no commits), starting at its end, and hands each reply to {@link PendingReplies}.
 * Replies nobody waits for (timed out, or after a restart) are counted and dropped. The end
 * offset is resolved in {@link #start()}, before the web server accepts requests, so no reply to
 * a request of this instance can be skipped.
 */
public class ReplyListener implements SmartLifecycle {

    private static final Logger log = LoggerFactory.getLogger(ReplyListener.class);
    private static final Duration POLL = Duration.ofMillis(500);

    private final String topic;
    private final int partition;
    private final Supplier<Consumer<String, SessionReply>> consumers;
    private final PendingReplies pending;
    private final Counter received;
    private final Counter unmatched;

    private volatile boolean running;
    private volatile Consumer<String, SessionReply> consumer;
    private volatile Thread thread;

    public ReplyListener(String topic, int partition, Supplier<Consumer<String, SessionReply>> consumers,
            PendingReplies pending, MeterRegistry meters) {
        this.topic = topic;
        this.partition = partition;
        this.consumers = consumers;
        this.pending = pending;
        this.received = Counter.builder("connect.replies.received").description("Replies read from this instance's reply partition")
                .register(meters);
        this.unmatched = Counter.builder("connect.replies.unmatched").description("Replies no waiting request took")
                .register(meters);
    }

    @Override
    public void start() {
        Consumer<String, SessionReply> c = consumers.get();
        try {
            List<PartitionInfo> infos = c.partitionsFor(topic);
            if (infos == null || infos.size() <= partition) {
                throw new IllegalStateException("connect.reply-partition is " + partition + " but topic " + topic + " has "
                        + (infos == null ? 0 : infos.size()) + " partitions");
            }
            TopicPartition tp = new TopicPartition(topic, partition);
            c.assign(List.of(tp));
            c.seekToEnd(List.of(tp));
            long position = c.position(tp);
            log.info("Reading replies from {} at offset {}", tp, position);
        } catch (RuntimeException e) {
            c.close();
            throw e;
        }
        consumer = c;
        running = true;
        thread = new Thread(this::run, "replies-" + topic + "-" + partition);
        thread.setDaemon(true);
        thread.start();
    }

    private void run() {
        Consumer<String, SessionReply> c = consumer;
        try {
            while (running) {
                try {
                    for (ConsumerRecord<String, SessionReply> record : c.poll(POLL)) {
                        handle(record);
                    }
                } catch (RecordDeserializationException e) {
                    log.error("Skipping unreadable reply at {} offset {}", e.topicPartition(), e.offset(), e);
                    c.seek(e.topicPartition(), e.offset() + 1);
                } catch (WakeupException e) {
                    if (running) {
                        throw e;
                    }
                }
            }
        } catch (RuntimeException e) {
            log.error("Reply listener stopped reading {}-{}", topic, partition, e);
        } finally {
            running = false;
            c.close();
        }
    }

    private void handle(ConsumerRecord<String, SessionReply> record) {
        received.increment();
        SessionReply reply = record.value();
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

    @Override
    public void stop() {
        running = false;
        Consumer<String, SessionReply> c = consumer;
        Thread t = thread;
        if (c != null) {
            c.wakeup();
        }
        if (t != null) {
            try {
                t.join(10_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        thread = null;
        consumer = null;
    }

    @Override
    public boolean isRunning() {
        return running;
    }

    /** Starts before the web server (and stops after it). */
    @Override
    public int getPhase() {
        return 0;
    }
}
