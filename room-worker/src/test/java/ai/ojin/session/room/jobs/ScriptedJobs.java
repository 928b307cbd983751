package ai.ojin.session.room.jobs;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import java.util.function.Predicate;
import org.apache.kafka.clients.consumer.ConsumerRecord;

/**
 * A {@link JobSource} whose jobs finish when the test says so. It is saturated while
 * {@code maxInFlight} of its jobs are unfinished. Thread-safe.
 */
final class ScriptedJobs implements JobSource<String> {

    /** A job of the test: {@link #finish()} ends it; {@link #cancelled()} tells whether the consumer cancelled it. */
    static final class ScriptedJob implements Job {

        private final CompletableFuture<Void> done = new CompletableFuture<>();
        private volatile boolean cancelled;
        private volatile BooleanSupplier finishWhenAwaited = () -> false;

        @Override
        public CompletableFuture<Void> done() {
            if (finishWhenAwaited.getAsBoolean()) {
                finish();
            }
            return done;
        }

        /**
         * The job finishes when the consumer next asks for its {@link #done()} while {@code when} is true
         * (for example: once the consumer is stopping, the drain that waits for it finds it finishing).
         */
        void finishWhenAwaited(BooleanSupplier when) {
            this.finishWhenAwaited = when;
        }

        @Override
        public void cancel() {
            cancelled = true;
        }

        void finish() {
            done.complete(null);
        }

        boolean cancelled() {
            return cancelled;
        }
    }

    private record Key(int partition, long offset) {
    }

    private final Map<Key, List<ScriptedJob>> jobs = new ConcurrentHashMap<>();
    private final List<String> started = new CopyOnWriteArrayList<>();
    private final List<ConsumerRecord<String, String>> unreadable = new CopyOnWriteArrayList<>();
    private volatile int maxInFlight = Integer.MAX_VALUE;
    private volatile Predicate<ConsumerRecord<String, String>> failToStart = record -> false;
    private volatile Consumer<ConsumerRecord<String, String>> beforeStart = record -> { };
    private volatile boolean finishAtStart;

    void maxInFlight(int max) {
        this.maxInFlight = max;
    }

    /** Starting a job for a record that matches throws (a bug in the source). */
    void failToStart(Predicate<ConsumerRecord<String, String>> which) {
        this.failToStart = which;
    }

    /** Runs on the consumer thread before each job starts (for example to hold the loop there). */
    void beforeStart(Consumer<ConsumerRecord<String, String>> action) {
        this.beforeStart = action;
    }

    /** Jobs from now on are finished as soon as they start. */
    void finishAtStart() {
        this.finishAtStart = true;
    }

    @Override
    public Job start(ConsumerRecord<String, String> record) {
        beforeStart.accept(record);
        if (failToStart.test(record)) {
            throw new IllegalStateException("scripted failure for offset " + record.offset());
        }
        ScriptedJob job = new ScriptedJob();
        jobs.computeIfAbsent(new Key(record.partition(), record.offset()), k -> new CopyOnWriteArrayList<>()).add(job);
        started.add(record.partition() + "@" + record.offset());
        if (finishAtStart) {
            job.finish();
        }
        return job;
    }

    @Override
    public Job unreadable(ConsumerRecord<String, String> record, Exception cause) {
        unreadable.add(record);
        return Job.finished();
    }

    @Override
    public boolean saturated() {
        return inFlight() >= maxInFlight;
    }

    int inFlight() {
        return (int) jobs.values().stream().flatMap(List::stream).filter(j -> !j.done().isDone()).count();
    }

    /** The latest job started for the record at {@code offset} of {@code partition}. */
    ScriptedJob job(int partition, long offset) {
        List<ScriptedJob> forRecord = jobs.get(new Key(partition, offset));
        if (forRecord == null) {
            throw new AssertionError("no job was started for " + partition + "@" + offset + "; started: " + started);
        }
        return forRecord.get(forRecord.size() - 1);
    }

    /** The records jobs were started for, as "partition@offset", in start order. */
    List<String> started() {
        return new ArrayList<>(started);
    }

    List<ConsumerRecord<String, String>> unreadable() {
        return List.copyOf(unreadable);
    }
}
