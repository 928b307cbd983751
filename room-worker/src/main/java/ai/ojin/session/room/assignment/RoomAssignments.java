package ai.ojin.session.room.assignment;

import ai.ojin.session.events.room.RoomAssignment;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.SmartLifecycle;

/**
 * The session -> room and room -> session map, kept in Kafka: the compacted topic
 * {@code room-assignments} (key session id, tombstone once the room is gone) is the record, and
 * every worker reads all of it into memory. {@link #assign} returns once the broker acknowledged
 * the assignment, so a set-up that is run again (another instance after a crash or a rebalance)
 * finds it: it first waits for {@link #caughtUp()}, which completes once this view has read the
 * topic up to the end offsets of the moment it was called.
 */
public final class RoomAssignments implements SmartLifecycle, AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(RoomAssignments.class);
    /**
     * How often an idle reader fetches: between barriers it waits on its queue, not in a fetch (its
     * fetches are short, fetch.max.wait.ms=10, so that a barrier is not held by a long poll: fetching
     * in a loop cost an idle worker 100 fetches/s, most of the idle broker's CPU).
     */
    private static final Duration IDLE_WAIT = Duration.ofMillis(500);
    private static final Duration POLL = Duration.ofMillis(5);

    private final String topic;
    private final Supplier<Consumer<String, RoomAssignment>> consumers;
    private final Producer<String, RoomAssignment> producer;
    private final Map<String, RoomAssignment> bySession = new ConcurrentHashMap<>();
    private final Map<String, RoomAssignment> byRoom = new ConcurrentHashMap<>();
    private final LinkedBlockingQueue<CompletableFuture<Void>> waiting = new LinkedBlockingQueue<>();
    private volatile boolean running;
    private volatile Consumer<String, RoomAssignment> consumer;
    private Thread thread;

    public RoomAssignments(String topic, Supplier<Consumer<String, RoomAssignment>> consumers,
                           Producer<String, RoomAssignment> producer) {
        this.topic = topic;
        this.consumers = consumers;
        this.producer = producer;
    }

    /** Writes the assignment; completes once the broker acknowledged it (then this view has it too). */
    public CompletableFuture<Void> assign(RoomAssignment assignment) {
        return send(assignment.sessionId(), assignment).thenRun(() -> apply(assignment.sessionId(), assignment));
    }

    /** Writes the tombstone of the session's assignment (its room is gone). */
    public CompletableFuture<Void> remove(String sessionId) {
        return send(sessionId, null).thenRun(() -> apply(sessionId, null));
    }

    public Optional<RoomAssignment> ofSession(String sessionId) {
        return Optional.ofNullable(bySession.get(sessionId));
    }

    public Optional<RoomAssignment> ofRoom(String roomName) {
        return roomName == null ? Optional.empty() : Optional.ofNullable(byRoom.get(roomName));
    }

    public int size() {
        return bySession.size();
    }

    /**
     * Completes once this view has read every assignment written before the call (acknowledged
     * writes of any instance included).
     */
    public CompletableFuture<Void> caughtUp() {
        CompletableFuture<Void> barrier = new CompletableFuture<>();
        if (!running) {
            barrier.completeExceptionally(new IllegalStateException("room assignments are not being read"));
            return barrier;
        }
        waiting.add(barrier); // wakes an idle reader; a busy one takes it after its current short poll
        return barrier;
    }

    private CompletableFuture<Void> send(String sessionId, RoomAssignment value) {
        CompletableFuture<Void> acked = new CompletableFuture<>();
        try {
            producer.send(new ProducerRecord<>(topic, sessionId, value), (metadata, error) -> {
                if (error != null) {
                    acked.completeExceptionally(error);
                } else {
                    acked.complete(null);
                }
            });
        } catch (RuntimeException e) {
            acked.completeExceptionally(e);
        }
        return acked;
    }

    private void apply(String sessionId, RoomAssignment value) {
        RoomAssignment old = value == null ? bySession.remove(sessionId) : bySession.put(sessionId, value);
        if (old != null && (value == null || !old.roomName().equals(value.roomName()))) {
            byRoom.remove(old.roomName(), old);
        }
        if (value != null) {
            byRoom.put(value.roomName(), value);
        }
    }

    private record Barrier(Map<TopicPartition, Long> endOffsets, List<CompletableFuture<Void>> waiters) {
    }

    private void run() {
        List<Barrier> barriers = new ArrayList<>();
        List<CompletableFuture<Void>> newWaiters = new ArrayList<>();
        try (Consumer<String, RoomAssignment> c = consumers.get()) {
            List<TopicPartition> partitions = partitions(c);
            c.assign(partitions);
            c.seekToBeginning(partitions);
            consumer = c;
            log.info("Reading room assignments from {} ({} partitions)", topic, partitions.size());
            while (running) {
                try {
                    CompletableFuture<Void> next;
                    if (barriers.isEmpty() && newWaiters.isEmpty()) {
                        // idle: wait for a barrier (or fetch what others wrote every IDLE_WAIT)
                        next = waiting.poll(IDLE_WAIT.toMillis(), TimeUnit.MILLISECONDS);
                        if (next != null) {
                            newWaiters.add(next);
                        }
                    }
                    while ((next = waiting.poll()) != null) {
                        newWaiters.add(next);
                    }
                    if (!newWaiters.isEmpty()) {
                        // kept in newWaiters until the end offsets are known (a wakeup may interrupt the call)
                        barriers.add(new Barrier(c.endOffsets(partitions), List.copyOf(newWaiters)));
                        newWaiters.clear();
                    }
                    release(c, barriers);
                    for (ConsumerRecord<String, RoomAssignment> record : c.poll(POLL)) {
                        if (record.key() != null) {
                            apply(record.key(), record.value());
                        }
                    }
                    release(c, barriers);
                } catch (WakeupException e) {
                    // stopping
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    running = false;
                } catch (KafkaException e) {
                    log.warn("Reading room assignments failed ({}); retrying", e.toString());
                }
            }
        } catch (RuntimeException e) {
            log.error("Room assignments reader stopped by an error", e);
        } finally {
            consumer = null;
            running = false;
            IllegalStateException stopped = new IllegalStateException("room assignments reader stopped");
            barriers.forEach(b -> b.waiters().forEach(w -> w.completeExceptionally(stopped)));
            newWaiters.forEach(w -> w.completeExceptionally(stopped));
            CompletableFuture<Void> left;
            while ((left = waiting.poll()) != null) {
                left.completeExceptionally(stopped);
            }
        }
    }

    private static void release(Consumer<String, RoomAssignment> c, List<Barrier> barriers) {
        barriers.removeIf(barrier -> {
            for (Map.Entry<TopicPartition, Long> end : barrier.endOffsets().entrySet()) {
                if (c.position(end.getKey()) < end.getValue()) {
                    return false;
                }
            }
            barrier.waiters().forEach(w -> w.complete(null));
            return true;
        });
    }

    private List<TopicPartition> partitions(Consumer<String, RoomAssignment> c) {
        List<PartitionInfo> infos = c.partitionsFor(topic, Duration.ofSeconds(30));
        if (infos == null || infos.isEmpty()) {
            throw new IllegalStateException("topic " + topic + " does not exist");
        }
        return infos.stream().map(i -> new TopicPartition(topic, i.partition())).toList();
    }

    @Override
    public synchronized void start() {
        if (running) {
            return;
        }
        running = true;
        thread = new Thread(this::run, "room-assignments");
        thread.setDaemon(true);
        thread.start();
    }

    @Override
    public void stop() {
        Thread reader;
        synchronized (this) {
            if (!running) {
                return;
            }
            running = false;
            reader = thread;
        }
        Consumer<String, RoomAssignment> c = consumer;
        if (c != null) {
            c.wakeup();
        }
        try {
            reader.join(10_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Closes the producer (also when the reader ended on its own); Spring calls it on shutdown. */
    public void close() {
        producer.close(Duration.ofSeconds(5));
    }

    @Override
    public boolean isRunning() {
        return running;
    }

    /** Started before the job consumer (whose set-ups wait for this view) and stopped after it. */
    @Override
    public int getPhase() {
        return Integer.MAX_VALUE - 2000;
    }
}
