package ai.ojin.session.room.assignment;

import ai.ojin.session.support.schedule.Phases;
import ai.ojin.session.events.room.RoomAssignment;
import ai.ojin.session.support.kafka.CompactedTopicView;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.producer.Producer;
import org.springframework.context.SmartLifecycle;

/**
 * The session -> room and room -> session map, kept in Kafka: the compacted topic
 * {@code room-assignments} (key session id, tombstone once the room is gone) is the record, and
 * every worker reads all of it into memory ({@link CompactedTopicView}). {@link #assign} returns
 * once the broker acknowledged the assignment (this view has it then), so a set-up that is run
 * again (another instance after a crash or a rebalance) finds it: it first waits for
 * {@link #caughtUp()}, which completes once this view has read the topic up to the end offsets of
 * the moment it was called.
 */
public final class RoomAssignments implements SmartLifecycle, AutoCloseable {

    /** Started before the job consumer (whose set-ups wait for this view) and stopped after it. */
    private static final int PHASE = Phases.STATE;

    private final Producer<String, RoomAssignment> producer;
    private final Map<String, RoomAssignment> byRoom = new ConcurrentHashMap<>();
    private final CompactedTopicView<String, RoomAssignment> view;

    /**
     * @param consumers its consumers; a short {@code fetch.max.wait.ms} keeps {@link #caughtUp()}
     *                  quick (a fetch the broker holds open delays it by up to its wait)
     */
    public RoomAssignments(String topic, Supplier<Consumer<String, RoomAssignment>> consumers,
                           Producer<String, RoomAssignment> producer) {
        this.producer = producer;
        this.view = new CompactedTopicView<>(topic, consumers, CompactedTopicView.Writer.of(producer, topic), this::index, PHASE);
    }

    /** Writes the assignment; completes once the broker acknowledged it (then this view has it too). */
    public CompletableFuture<Void> assign(RoomAssignment assignment) {
        return view.put(assignment.sessionId(), assignment);
    }

    /** Writes the tombstone of the session's assignment (its room is gone). */
    public CompletableFuture<Void> remove(String sessionId) {
        return view.remove(sessionId);
    }

    public Optional<RoomAssignment> ofSession(String sessionId) {
        return view.get(sessionId);
    }

    public Optional<RoomAssignment> ofRoom(String roomName) {
        return roomName == null ? Optional.empty() : Optional.ofNullable(byRoom.get(roomName));
    }

    public int size() {
        return view.size();
    }

    /**
     * Completes once this view has read every assignment written before the call (acknowledged
     * writes of any instance included).
     */
    public CompletableFuture<Void> caughtUp() {
        return view.caughtUp();
    }

    /** Keeps the room index in step with the view. */
    private void index(String sessionId, RoomAssignment before, RoomAssignment after) {
        if (before != null && (after == null || !before.roomName().equals(after.roomName()))) {
            byRoom.remove(before.roomName(), before);
        }
        if (after != null) {
            byRoom.put(after.roomName(), after);
        }
    }

    @Override
    public void start() {
        view.start();
    }

    @Override
    public void stop() {
        view.stop();
    }

    /** Closes the producer (also when the reader ended on its own); Spring calls it on shutdown. */
    public void close() {
        producer.close(Duration.ofSeconds(5));
    }

    @Override
    public boolean isRunning() {
        return view.isRunning();
    }

    @Override
    public int getPhase() {
        return PHASE;
    }
}
