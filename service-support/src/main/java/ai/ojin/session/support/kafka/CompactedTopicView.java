package ai.ojin.session.support.kafka;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A compacted topic as a map in memory: every partition read from the beginning on a thread of its
 * own (no consumer group), a tombstone deletes its key.
 *
 * <ul>
 * <li><b>Read-your-writes</b>: {@link #put} and {@link #remove} complete once the broker
 * acknowledged the record, and the view has it from then on. Each entry remembers the offset it
 * came from, so neither the reader (behind) nor a late acknowledgement (ahead) can put an older
 * value back: a value is replaced only by one from a later offset.</li>
 * <li><b>Everyone's writes</b>: {@link #caughtUp()} completes once the view has read the topic up
 * to its end offsets at the moment of the call, {@link #loaded()} says whether it has read what the
 * topic held when the view started (readiness).</li>
 * <li><b>Failures</b>: an unreadable record is logged and skipped; any other failure of the reader
 * is logged and it starts over after {@link #RESTART_DELAY} with a new consumer, from where it was
 * ({@link #isReading()} false meanwhile).</li>
 * <li><b>Idle</b>: a reader with nothing to wait for sleeps on its queue of barriers and fetches
 * every {@link #IDLE_WAIT}: a barrier wakes it at once.</li>
 * </ul>
 *
 * The consumer's settings are the caller's (short {@code fetch.max.wait.ms} where barriers must be
 * quick). Keys must be partitioned by the producer's default partitioner, so one key lives in one
 * partition and offsets order its values.
 */
public final class CompactedTopicView<K, V> extends AssignedConsumerLoop<K, V> {

    private static final Logger log = LoggerFactory.getLogger(CompactedTopicView.class);
    static final Duration IDLE_WAIT = Duration.ofMillis(500);
    private static final Duration POLL = Duration.ofMillis(5);

    /** Sends one record and completes with where the broker stored it. */
    @FunctionalInterface
    public interface Writer<K, V> {
        CompletableFuture<RecordMetadata> send(K key, V value);

        /** A writer through a plain producer to {@code topic}. */
        static <K, V> Writer<K, V> of(Producer<K, V> producer, String topic) {
            return (key, value) -> {
                CompletableFuture<RecordMetadata> acked = new CompletableFuture<>();
                try {
                    producer.send(new ProducerRecord<>(topic, key, value), (metadata, error) -> {
                        if (error != null) {
                            acked.completeExceptionally(error);
                        } else {
                            acked.complete(metadata);
                        }
                    });
                } catch (RuntimeException e) {
                    acked.completeExceptionally(e);
                }
                return acked;
            };
        }
    }

    /** Told of every change of a key's value (null: absent), on the thread that made it. */
    @FunctionalInterface
    public interface Listener<K, V> {
        void changed(K key, V before, V after);
    }

    /** A key's value (null: deleted by a write of ours the reader has not passed yet) and its offset. */
    private record Entry<V>(V value, int partition, long offset) {
    }

    private record Barrier(Map<TopicPartition, Long> endOffsets, List<CompletableFuture<Void>> waiters) {
    }

    private final String topic;
    private final Writer<K, V> writer;
    private final Listener<K, V> listener;
    private final int phase;

    private final ConcurrentHashMap<K, Entry<V>> entries = new ConcurrentHashMap<>();
    /** Keys deleted by our own writes, until the reader passes their tombstones. */
    private final ConcurrentHashMap<K, Entry<V>> deletedAhead = new ConcurrentHashMap<>();
    private final AtomicInteger size = new AtomicInteger();
    private final LinkedBlockingQueue<CompletableFuture<Void>> waiting = new LinkedBlockingQueue<>();

    // the reader's state: touched by the reader thread only (and by start() before it runs)
    private final List<Barrier> barriers = new ArrayList<>();
    private final List<CompletableFuture<Void>> newWaiters = new ArrayList<>();
    private final Map<TopicPartition, Long> positions = new HashMap<>();
    private List<TopicPartition> partitions = List.of();
    private Map<TopicPartition, Long> startEndOffsets = Map.of();

    private volatile boolean stopped;
    private volatile boolean loaded;
    private final Duration idleWait;

    /**
     * @param writer   how {@link #put} and {@link #remove} write (null: a read-only view)
     * @param listener told of every change (null: nobody)
     * @param phase    the lifecycle phase (starts before and stops after higher phases)
     */
    public CompactedTopicView(String topic, Supplier<Consumer<K, V>> consumers, Writer<K, V> writer,
                              Listener<K, V> listener, int phase) {
        this(topic, consumers, writer, listener, phase, IDLE_WAIT);
    }

    /** @param idleWait how long an idle reader waits for a barrier between fetches (tests: zero) */
    CompactedTopicView(String topic, Supplier<Consumer<K, V>> consumers, Writer<K, V> writer,
                       Listener<K, V> listener, int phase, Duration idleWait) {
        super("view-" + topic, consumers, POLL);
        this.topic = topic;
        this.idleWait = idleWait;
        this.writer = writer;
        this.listener = listener == null ? (key, before, after) -> { } : listener;
        this.phase = phase;
    }

    public Optional<V> get(K key) {
        if (key == null) {
            return Optional.empty();
        }
        Entry<V> entry = entries.get(key);
        return entry == null ? Optional.empty() : Optional.ofNullable(entry.value());
    }

    /** The number of keys with a value. */
    public int size() {
        return size.get();
    }

    /** Writes the key's value; completes once the broker acknowledged it (the view has it then). */
    public CompletableFuture<Void> put(K key, V value) {
        if (value == null) {
            throw new IllegalArgumentException("a null value is a remove");
        }
        return write(key, value);
    }

    /** Writes the key's tombstone; completes once the broker acknowledged it (the view has lost the key then). */
    public CompletableFuture<Void> remove(K key) {
        return write(key, null);
    }

    private CompletableFuture<Void> write(K key, V value) {
        if (writer == null) {
            throw new UnsupportedOperationException("the view of " + topic + " is read-only");
        }
        return writer.send(key, value).thenAccept(written -> apply(key, value, written.partition(), written.offset(), false));
    }

    /**
     * Completes once this view has read every record written before the call (acknowledged writes
     * of any writer included); fails if the view has stopped or stops first (one not started yet
     * completes it once started and caught up).
     */
    public CompletableFuture<Void> caughtUp() {
        CompletableFuture<Void> barrier = new CompletableFuture<>();
        waiting.add(barrier); // wakes an idle reader; a busy one takes it after its current short poll
        if (stopped) {
            barrier.completeExceptionally(new IllegalStateException(name() + " stopped"));
        }
        return barrier;
    }

    /** True once every record up to the end offsets seen at start-up is in the view. */
    public boolean loaded() {
        return loaded;
    }

    /**
     * Applies one record: a value replaces the key's only if it comes from a later offset (or the
     * same record, seen by the reader, which then drops a deletion marker).
     */
    private void apply(K key, V value, int partition, long offset, boolean fromReader) {
        entries.compute(key, (k, current) -> {
            if (current != null && current.partition() == partition && current.offset() >= offset) {
                if (fromReader && current.offset() == offset && current.value() == null) {
                    deletedAhead.remove(k, current);
                    return null; // the reader reached our own tombstone
                }
                return current;
            }
            V before = current == null ? null : current.value();
            Entry<V> next;
            if (value == null) {
                next = fromReader ? null : new Entry<>(null, partition, offset);
                if (next != null) {
                    deletedAhead.put(k, next);
                }
            } else {
                next = new Entry<>(value, partition, offset);
            }
            if (before != null && value == null) {
                size.decrementAndGet();
            } else if (before == null && value != null) {
                size.incrementAndGet();
            }
            if (before != value) {
                listener.changed(k, before, value);
            }
            return next;
        });
    }

    // ---- the reader ----

    /** Assigns every partition and positions the consumer where the view is (the beginning at first). */
    @Override
    protected void position(Consumer<K, V> c) {
        stopped = false;
        if (partitions.isEmpty()) {
            List<PartitionInfo> infos = c.partitionsFor(topic);
            if (infos == null || infos.isEmpty()) {
                throw new IllegalStateException("topic " + topic + " does not exist");
            }
            partitions = infos.stream().map(i -> new TopicPartition(topic, i.partition())).toList();
        }
        c.assign(partitions);
        for (TopicPartition partition : partitions) {
            Long position = positions.get(partition);
            if (position == null) {
                c.seekToBeginning(List.of(partition));
            } else {
                c.seek(partition, position);
            }
        }
        if (startEndOffsets.isEmpty()) {
            startEndOffsets = c.endOffsets(partitions);
            log.info("{} reading {} partitions up to start-up end offsets {}", name(), partitions.size(), startEndOffsets);
        }
    }

    /** Idle (nothing to wait for): waits for a barrier, at most {@link #IDLE_WAIT}; then takes the new barriers' end offsets. */
    @Override
    protected void beforePoll(Consumer<K, V> c) {
        if (barriers.isEmpty() && newWaiters.isEmpty() && loaded) {
            try {
                CompletableFuture<Void> next = waiting.poll(idleWait.toMillis(), TimeUnit.MILLISECONDS);
                if (next != null) {
                    newWaiters.add(next);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new WakeupException();
            }
        }
        waiting.drainTo(newWaiters);
        if (!newWaiters.isEmpty()) {
            // kept in newWaiters until the end offsets are known (a wakeup may interrupt the call)
            barriers.add(new Barrier(c.endOffsets(partitions), List.copyOf(newWaiters)));
            newWaiters.clear();
        }
    }

    @Override
    protected void handle(ConsumerRecord<K, V> record) {
        if (record.key() == null) {
            log.warn("{}: ignoring a record without key at {}-{} offset {}", name(), record.topic(), record.partition(),
                    record.offset());
        } else {
            apply(record.key(), record.value(), record.partition(), record.offset(), true);
        }
    }

    /** One turn of the reader as its thread runs it. */
    void step(Consumer<K, V> c) {
        pollOnce(c);
    }

    /** Notes how far each partition is read, releases the barriers reached, forgets passed deletion markers. */
    @Override
    protected void afterPoll(Consumer<K, V> c) {
        for (TopicPartition partition : partitions) {
            positions.put(partition, c.position(partition));
        }
        barriers.removeIf(barrier -> {
            if (!reached(barrier.endOffsets())) {
                return false;
            }
            barrier.waiters().forEach(w -> w.complete(null));
            return true;
        });
        if (!deletedAhead.isEmpty()) {
            // our tombstones the reader passed without seeing them (compacted away meanwhile)
            deletedAhead.forEach((key, marker) -> {
                long position = positions.getOrDefault(new TopicPartition(topic, marker.partition()), 0L);
                if (position > marker.offset() && entries.remove(key, marker)) {
                    deletedAhead.remove(key, marker);
                }
            });
        }
        if (!loaded && reached(startEndOffsets)) {
            loaded = true;
            log.info("{} loaded: {} keys", name(), size());
        }
    }

    private boolean reached(Map<TopicPartition, Long> endOffsets) {
        for (Map.Entry<TopicPartition, Long> end : endOffsets.entrySet()) {
            if (positions.getOrDefault(end.getKey(), 0L) < end.getValue()) {
                return false;
            }
        }
        return true;
    }

    /** Ends an idle wait. */
    @Override
    protected void onStop() {
        waiting.add(new CompletableFuture<>()); // failed as stopped with the others
    }

    /** Fails every barrier still waiting, and any asked for from now on. */
    @Override
    protected void onStopped() {
        stopped = true;
        IllegalStateException gone = new IllegalStateException(name() + " stopped");
        barriers.forEach(b -> b.waiters().forEach(w -> w.completeExceptionally(gone)));
        barriers.clear();
        newWaiters.forEach(w -> w.completeExceptionally(gone));
        newWaiters.clear();
        CompletableFuture<Void> left;
        while ((left = waiting.poll()) != null) {
            left.completeExceptionally(gone);
        }
    }

    @Override
    public int getPhase() {
        return phase;
    }
}
