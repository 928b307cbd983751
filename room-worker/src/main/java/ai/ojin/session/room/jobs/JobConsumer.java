package ai.ojin.session.room.jobs;

import ai.ojin.session.support.schedule.Phases;
import io.micrometer.observation.Observation;
import io.micrometer.observation.ObservationRegistry;
import io.micrometer.observation.transport.ReceiverContext;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import org.apache.kafka.clients.consumer.CloseOptions;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.errors.WakeupException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.SmartLifecycle;
import org.springframework.core.log.LogAccessor;
import org.springframework.kafka.support.serializer.DeserializationException;
import org.springframework.kafka.support.serializer.SerializationUtils;

/**
 * Reads a topic and runs every record as an independent {@link Job}: it keeps polling while jobs
 * run, commits per partition only below the oldest unfinished job (out-of-order completion,
 * in-order commit), and pauses its partitions while the {@link JobSource} is saturated. On a
 * revocation (rebalance or shutdown) it waits up to {@code revokeWait} for the jobs of the revoked
 * partitions, cancels the rest and commits only what finished, so another instance runs the
 * unfinished ones again and no job runs on two instances past its current step.
 *
 * <p>The consumer is used by one thread only (the loop); jobs report completions through a queue.
 *
 * <p>Each job runs in an observation {@code room.jobs} that continues the trace of its record's
 * {@code traceparent} header; the job is started inside its scope, so what the job does (its HTTP
 * calls and writes, when it keeps that scope) belongs to the trace of the record.
 */
public final class JobConsumer<V> implements SmartLifecycle {

    private static final Logger log = LoggerFactory.getLogger(JobConsumer.class);
    private static final LogAccessor LOG_ACCESSOR = new LogAccessor(JobConsumer.class);
    private static final Duration RETRY_PAUSE = Duration.ofSeconds(1);

    private final String name;
    private final String topic;
    private final Supplier<Consumer<String, V>> consumers;
    private final JobSource<V> source;
    private final Settings settings;
    private final ConcurrentLinkedQueue<Completion> completions = new ConcurrentLinkedQueue<>();
    private final Map<TopicPartition, PartitionProgress> progress = new HashMap<>();
    private final AtomicInteger unfinished = new AtomicInteger();
    private final AtomicInteger assigned = new AtomicInteger();
    private final RebalanceHook hook;
    private final ObservationRegistry observations;
    private volatile boolean running;
    private volatile boolean paused;
    private volatile boolean assignedOnce;
    private volatile boolean ready;
    private volatile Consumer<String, V> consumer;
    private Thread thread;
    /** When the loop last committed (or started); on the loop's thread only. */
    private long lastCommitNanos = System.nanoTime();

    /**
     * @param pollTimeout how long one poll waits for records
     * @param revokeWait how long a revocation waits for the jobs of its partitions before cancelling them
     * @param commitInterval how often, at most, finished jobs are committed while the loop runs
     *     (asynchronously; a revocation and a stop commit at once): each commit is a broker request,
     *     and a busy topic is polled many times a second
     */
    public record Settings(Duration pollTimeout, Duration revokeWait, Duration commitInterval) {

        /** Commits after every poll that finished something. */
        public Settings(Duration pollTimeout, Duration revokeWait) {
            this(pollTimeout, revokeWait, Duration.ZERO);
        }
    }

    /** Told about partitions this consumer gets and loses (for example to know which rooms are ours). */
    public interface RebalanceHook {
        void assigned(Consumer<?, ?> consumer, Collection<TopicPartition> partitions);

        void revoked(Collection<TopicPartition> partitions);
    }

    public JobConsumer(String name, String topic, Supplier<Consumer<String, V>> consumers, JobSource<V> source,
                       Settings settings, RebalanceHook hook) {
        this(name, topic, consumers, source, settings, hook, ObservationRegistry.NOOP);
    }

    public JobConsumer(String name, String topic, Supplier<Consumer<String, V>> consumers, JobSource<V> source,
                       Settings settings, RebalanceHook hook, ObservationRegistry observations) {
        this.observations = observations;
        this.name = name;
        this.topic = topic;
        this.consumers = consumers;
        this.source = source;
        this.settings = settings;
        this.hook = hook;
    }

    private record Completion(PartitionProgress progress, long offset) {
    }

    @Override
    public synchronized void start() {
        if (running) {
            return;
        }
        running = true;
        thread = new Thread(this::run, name);
        thread.start();
    }

    @Override
    public void stop() {
        Thread loop;
        synchronized (this) {
            if (!running) {
                return;
            }
            running = false;
            loop = thread;
        }
        Consumer<String, V> current = consumer;
        if (current != null) {
            current.wakeup();
        }
        try {
            loop.join(settings.revokeWait().plusSeconds(30).toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public boolean isRunning() {
        return running;
    }

    /** Started before the web server reports ready, stopped after it stops taking webhooks. */
    @Override
    public int getPhase() {
        return Phases.CONSUMERS;
    }

    /** Jobs not finished yet, over all assigned partitions. */
    public int unfinishedJobs() {
        return unfinished.get();
    }

    public int assignedPartitions() {
        return assigned.get();
    }

    public boolean paused() {
        return paused;
    }

    /**
     * True once the consumer has joined its group, received an assignment (possibly empty: more
     * instances than partitions) and polled with its positions known; false again after it stopped.
     */
    public boolean ready() {
        return ready && running;
    }

    private void run() {
        Consumer<String, V> c = consumers.get();
        try {
            consumer = c;
            c.subscribe(List.of(topic), new Rebalance());
            while (running) {
                try {
                    loopOnce(c);
                } catch (WakeupException e) {
                    // stop() asked us to leave the poll
                } catch (KafkaException e) {
                    log.error("{}: consumer error; polling again in {}", name, RETRY_PAUSE, e);
                    pauseBeforeRetry();
                }
            }
            drainOnStop(c);
        } catch (RuntimeException e) {
            log.error("{}: consumer loop ended by an error", name, e);
        } finally {
            ready = false;
            running = false;
            try {
                // An orderly stop hands the partitions over at once, static member or not.
                c.close(CloseOptions.groupMembershipOperation(CloseOptions.GroupMembershipOperation.LEAVE_GROUP));
            } catch (RuntimeException e) {
                log.warn("{}: closing the consumer failed: {}", name, e.toString());
            }
            consumer = null;
            log.info("{}: stopped", name);
        }
    }

    private void loopOnce(Consumer<String, V> c) {
        applyCompletions();
        if (System.nanoTime() - lastCommitNanos >= settings.commitInterval().toNanos()) {
            lastCommitNanos = System.nanoTime();
            commit(c, false);
        }
        applyBackpressure(c);
        Set<TopicPartition> rewound = new HashSet<>();
        ConsumerRecords<String, V> polled = c.poll(settings.pollTimeout());
        if (assignedOnce && !ready) {
            ready = true;
            log.info("{}: ready ({} partition(s), positions known)", name, progress.size());
        }
        for (ConsumerRecord<String, V> record : polled) {
            TopicPartition tp = new TopicPartition(record.topic(), record.partition());
            PartitionProgress partition = progress.get(tp);
            if (partition == null || rewound.contains(tp)) {
                continue;
            }
            if (source.saturated()) {
                // the bound holds exactly: the rest of this poll is read again after the pause
                c.seek(tp, record.offset());
                rewound.add(tp);
                continue;
            }
            Job job = startJob(record);
            partition.started(record.offset(), job);
            long offset = record.offset();
            job.done().whenComplete((ok, error) -> completions.add(new Completion(partition, offset)));
        }
        unfinished.set(progress.values().stream().mapToInt(PartitionProgress::unfinishedCount).sum());
    }

    private Job startJob(ConsumerRecord<String, V> record) {
        ReceiverContext<ConsumerRecord<String, V>> context = new ReceiverContext<>((carrier, key) -> {
            Header header = carrier.headers().lastHeader(key);
            return header == null || header.value() == null ? null : new String(header.value(), StandardCharsets.UTF_8);
        });
        context.setCarrier(record);
        context.setRemoteServiceName("kafka");
        Observation observation = Observation.createNotStarted("room.jobs", () -> context, observations)
                .contextualName(record.topic() + " job")
                .lowCardinalityKeyValue("consumer", name)
                .start();
        Job job;
        try (Observation.Scope scope = observation.openScope()) {
            job = startJobInScope(record);
        }
        job.done().whenComplete((ok, error) -> {
            if (error != null) {
                observation.error(error);
            }
            observation.stop();
        });
        return job;
    }

    private Job startJobInScope(ConsumerRecord<String, V> record) {
        try {
            if (record.value() == null) {
                DeserializationException unreadable = SerializationUtils.getExceptionFromHeader(record,
                        SerializationUtils.VALUE_DESERIALIZER_EXCEPTION_HEADER, LOG_ACCESSOR);
                return unreadable == null ? Job.finished() : source.unreadable(record, unreadable);
            }
            return source.start(record);
        } catch (RuntimeException e) {
            // A bug, not a bad record: keep the offset uncommitted (a restart processes it again) and say so.
            log.error("{}: could not start the job for {}-{}@{}; its offset stays uncommitted", name, record.topic(),
                    record.partition(), record.offset(), e);
            return Job.of(new CompletableFuture<>());
        }
    }

    private void applyCompletions() {
        Completion completion;
        while ((completion = completions.poll()) != null) {
            completion.progress().finished(completion.offset());
        }
    }

    private void commit(Consumer<String, V> c, boolean sync) {
        Map<TopicPartition, OffsetAndMetadata> offsets = committable(progress);
        if (offsets.isEmpty()) {
            return;
        }
        if (sync) {
            c.commitSync(offsets);
            markCommitted(offsets);
        } else {
            c.commitAsync(offsets, (done, error) -> {
                if (error != null) {
                    log.warn("{}: offset commit failed ({}); the next one covers it", name, error.toString());
                } else {
                    markCommitted(done);
                }
            });
        }
    }

    private static Map<TopicPartition, OffsetAndMetadata> committable(Map<TopicPartition, PartitionProgress> partitions) {
        Map<TopicPartition, OffsetAndMetadata> offsets = new HashMap<>();
        partitions.forEach((tp, p) -> {
            if (p.committable() >= 0 && p.advanced()) {
                offsets.put(tp, new OffsetAndMetadata(p.committable()));
            }
        });
        return offsets;
    }

    private void markCommitted(Map<TopicPartition, OffsetAndMetadata> offsets) {
        offsets.forEach((tp, offset) -> {
            PartitionProgress p = progress.get(tp);
            if (p != null) {
                p.committed(offset.offset());
            }
        });
    }

    private void applyBackpressure(Consumer<String, V> c) {
        boolean saturated = source.saturated();
        Set<TopicPartition> assignment = c.assignment();
        if (saturated) {
            if (!paused) {
                log.info("{}: {} jobs in flight; pausing {} partition(s)", name, unfinished.get(), assignment.size());
            }
            c.pause(assignment);
            paused = true;
        } else if (paused) {
            c.resume(c.paused());
            paused = false;
            log.info("{}: resumed", name);
        }
    }

    /** Waits for the jobs of {@code partitions} (bounded), cancels the rest, commits what finished. */
    private void release(Consumer<?, ?> c, Collection<TopicPartition> partitions, boolean commit) {
        Map<TopicPartition, PartitionProgress> leaving = new HashMap<>();
        for (TopicPartition tp : partitions) {
            PartitionProgress p = progress.remove(tp);
            if (p != null) {
                leaving.put(tp, p);
            }
        }
        if (commit) {
            awaitJobs(leaving.values());
        }
        applyCompletions();
        leaving.values().forEach(PartitionProgress::prune);
        List<Job> stillRunning = leaving.values().stream().flatMap(p -> p.unfinishedJobs().stream()).toList();
        Map<TopicPartition, OffsetAndMetadata> offsets = committable(leaving);
        stillRunning.forEach(Job::cancel);
        if (!stillRunning.isEmpty()) {
            log.warn("{}: cancelled {} unfinished job(s) of revoked partitions; their owner runs them again", name,
                    stillRunning.size());
        }
        if (commit && !offsets.isEmpty()) {
            try {
                commitSync(c, offsets);
            } catch (KafkaException e) {
                log.warn("{}: could not commit revoked partitions ({}); their new owner repeats some jobs", name,
                        e.toString());
            }
        }
    }

    /**
     * A wakeup from {@link #stop()} that found the loop outside {@code poll} fires in the next
     * blocking call instead, this commit; it is spent then, so the commit is made once more.
     */
    private static void commitSync(Consumer<?, ?> c, Map<TopicPartition, OffsetAndMetadata> offsets) {
        try {
            c.commitSync(offsets);
        } catch (WakeupException e) {
            c.commitSync(offsets);
        }
    }

    private void awaitJobs(Collection<PartitionProgress> partitions) {
        List<CompletableFuture<Void>> jobs = partitions.stream()
                .flatMap(p -> p.unfinishedJobs().stream()).map(Job::done).toList();
        if (jobs.isEmpty()) {
            return;
        }
        log.info("{}: waiting up to {} for {} job(s) of revoked partitions", name, settings.revokeWait(), jobs.size());
        try {
            CompletableFuture.allOf(jobs.toArray(CompletableFuture[]::new))
                    .get(settings.revokeWait().toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (ExecutionException | TimeoutException e) {
            // what did not finish is cancelled and not committed
        }
    }

    private void drainOnStop(Consumer<String, V> c) {
        release(c, List.copyOf(progress.keySet()), true);
        assigned.set(0);
        unfinished.set(0);
    }

    private void pauseBeforeRetry() {
        try {
            Thread.sleep(RETRY_PAUSE.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            running = false;
        }
    }

    private final class Rebalance implements ConsumerRebalanceListener {

        @Override
        public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
            partitions.forEach(tp -> progress.putIfAbsent(tp, new PartitionProgress()));
            assigned.set(progress.size());
            assignedOnce = true;
            hook.assigned(consumer, partitions);
            if (paused) {
                consumer.pause(partitions);
            }
            log.info("{}: assigned {}", name, partitions);
        }

        @Override
        public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
            if (partitions.isEmpty()) {
                return;
            }
            hook.revoked(partitions);
            release(consumer, partitions, true);
            assigned.set(progress.size());
            log.info("{}: revoked {}", name, partitions);
        }

        @Override
        public void onPartitionsLost(Collection<TopicPartition> partitions) {
            hook.revoked(partitions);
            release(consumer, partitions, false);
            assigned.set(progress.size());
            log.warn("{}: lost {} (another member may already own them)", name, partitions);
        }
    }
}
