package ai.ojin.session.room.jobs;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Set;
import java.util.TreeMap;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.MockConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.consumer.OffsetCommitCallback;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;

/**
 * A {@link MockConsumer} that behaves a little more like a broker for the job engine's tests:
 * <ul>
 *   <li>records are appended to a per-partition log and each poll hands out what lies at or past the
 *   position of every assigned, unpaused partition, so a {@code seek} back reads records again and
 *   a paused partition keeps its records for later;</li>
 *   <li>an empty poll waits up to its timeout (woken early by new records, a poll task or a wakeup)
 *   instead of returning at once, so the consumer loop does not spin;</li>
 *   <li>every commit is kept (offsets, sync or async) and can be read after the consumer closed;</li>
 *   <li>{@link #wakeup()} behaves as KafkaConsumer documents it: the blocking call in progress, or
 *   else the next one ({@code poll} or {@code commitSync}), throws {@link WakeupException}, once.
 *   MockConsumer's own {@code commitSync} ignores a pending wakeup.</li>
 * </ul>
 * Partitions start at offset 0; a partition assigned again starts at its committed offset. Thread-safe
 * (every method holds the consumer's lock, as MockConsumer's own do).
 */
final class LogConsumer extends MockConsumer<String, String> {

    static final String TOPIC = "facts";

    /** One commit: the offsets (the next record to read) by partition number, and when ({@link System#nanoTime()}). */
    record Commit(Map<Integer, Long> offsets, boolean sync, long atNanos) {
    }

    private final Map<TopicPartition, NavigableMap<Long, ConsumerRecord<String, String>>> log = new HashMap<>();
    private final List<Commit> commits = new ArrayList<>();
    private boolean inCommitSync;
    private boolean wakeupPending;
    private boolean wakeupRequested;
    private int polls;

    LogConsumer() {
        super("earliest");
    }

    static TopicPartition partition(int partition) {
        return new TopicPartition(TOPIC, partition);
    }

    /** At the consumer's next poll, the group assigns exactly {@code partitions} (revoking the others). */
    synchronized void assignAtNextPoll(Integer... partitions) {
        List<TopicPartition> assignment = new ArrayList<>();
        Map<TopicPartition, Long> beginnings = new HashMap<>();
        for (int p : partitions) {
            assignment.add(partition(p));
            beginnings.put(partition(p), 0L);
        }
        updateBeginningOffsets(beginnings);
        schedulePollTask(() -> rebalance(assignment));
    }

    /** Appends records with these offsets (value "v" + offset) to the partition's log. */
    synchronized void append(int partition, long... offsets) {
        for (long offset : offsets) {
            log.computeIfAbsent(partition(partition), tp -> new TreeMap<>())
                    .put(offset, new ConsumerRecord<>(TOPIC, partition, offset, "k" + offset, "v" + offset));
        }
        notifyAll();
    }

    /** Appends a record whose value could not be read (a null value, as a failed deserializer leaves it). */
    synchronized void appendRecord(ConsumerRecord<String, String> record) {
        log.computeIfAbsent(partition(record.partition()), tp -> new TreeMap<>()).put(record.offset(), record);
        notifyAll();
    }

    @Override
    public synchronized void schedulePollTask(Runnable task) {
        super.schedulePollTask(task);
        notifyAll();
    }

    @Override
    public synchronized ConsumerRecords<String, String> poll(Duration timeout) {
        polls++;
        try {
            consumeWakeup();
            handOutLog();
            ConsumerRecords<String, String> records = super.poll(timeout);
            if (records.isEmpty()) {
                try {
                    wait(Math.max(1, timeout.toMillis()));
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                consumeWakeup();
            }
            return records;
        } finally {
            notifyAll();
        }
    }

    /** Offers MockConsumer what a fetch would return: records at or past the position, unpaused partitions. */
    private void handOutLog() {
        Set<TopicPartition> paused = paused();
        for (TopicPartition tp : assignment()) {
            NavigableMap<Long, ConsumerRecord<String, String>> records = log.get(tp);
            if (records == null || paused.contains(tp)) {
                continue;
            }
            records.tailMap(position(tp), true).values().forEach(this::addRecord);
        }
    }

    @Override
    public synchronized void wakeup() {
        wakeupRequested = true;
        wakeupPending = true;
        notifyAll();
    }

    private void consumeWakeup() {
        if (wakeupPending) {
            wakeupPending = false;
            throw new WakeupException();
        }
    }

    @Override
    public synchronized void commitSync(Map<TopicPartition, OffsetAndMetadata> offsets) {
        consumeWakeup();
        inCommitSync = true;
        try {
            super.commitSync(offsets);
        } finally {
            inCommitSync = false;
        }
    }

    @Override
    public synchronized void commitAsync(Map<TopicPartition, OffsetAndMetadata> offsets,
                                         OffsetCommitCallback callback) {
        Map<Integer, Long> byPartition = new TreeMap<>();
        offsets.forEach((tp, offset) -> byPartition.put(tp.partition(), offset.offset()));
        commits.add(new Commit(Map.copyOf(byPartition), inCommitSync, System.nanoTime()));
        super.commitAsync(offsets, callback);
    }

    synchronized List<Commit> commits() {
        return List.copyOf(commits);
    }

    /** The last offset committed for the partition, or -1 when none was. */
    synchronized long lastCommitted(int partition) {
        for (int i = commits.size() - 1; i >= 0; i--) {
            Long offset = commits.get(i).offsets().get(partition);
            if (offset != null) {
                return offset;
            }
        }
        return -1;
    }

    /** The highest offset ever committed for the partition, or -1 when none was. */
    synchronized long highestCommitted(int partition) {
        return commits.stream().map(c -> c.offsets().get(partition)).filter(o -> o != null)
                .mapToLong(Long::longValue).max().orElse(-1);
    }

    /** True once {@link #wakeup()} was called. */
    synchronized boolean wakeupRequested() {
        return wakeupRequested;
    }

    synchronized int polls() {
        return polls;
    }

    /** Waits (real time, bounded) until the consumer thread has started {@code more} further polls. */
    synchronized void awaitPolls(int more, Duration atMost) throws InterruptedException {
        int target = polls + more;
        long end = System.nanoTime() + atMost.toNanos();
        while (polls < target) {
            long left = end - System.nanoTime();
            if (left <= 0) {
                throw new AssertionError("the consumer did not poll " + more + " more time(s) within " + atMost);
            }
            wait(Math.max(1, left / 1_000_000));
        }
    }
}
