package ai.ojin.session.room.jobs;

import static ai.ojin.session.room.jobs.LogConsumer.TOPIC;
import static ai.ojin.session.room.jobs.LogConsumer.partition;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import ai.ojin.session.room.jobs.LogConsumer.Commit;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.record.TimestampType;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.springframework.kafka.support.serializer.SerializationUtils;

/**
 * The job consumer against Kafka's {@link org.apache.kafka.clients.consumer.MockConsumer} (no broker,
 * no Spring context): what it commits when jobs finish out of order, how it pauses while its source
 * is saturated, and what a revocation or a stop hands over.
 */
class JobConsumerTest {

    private static final Duration POLL = Duration.ofMillis(20);
    private static final Duration AT_MOST = Duration.ofSeconds(10);

    private final LogConsumer consumer = new LogConsumer();
    private final ScriptedJobs jobs = new ScriptedJobs();
    private final Rebalances rebalances = new Rebalances();
    private JobConsumer<String> jobConsumer;

    @AfterEach
    void stopTheConsumer() {
        if (jobConsumer != null) {
            jobConsumer.stop();
        }
    }

    @Test
    void shouldCommitOnlyBelowTheOldestUnfinishedJobWhenJobsFinishOutOfOrder() throws Exception {
        // given records 0, 1 and 2 of partition 0, each running as a job
        consumer.assignAtNextPoll(0);
        consumer.append(0, 0, 1, 2);
        start(Duration.ofSeconds(10));
        await().atMost(AT_MOST).until(jobs::started, started -> started.size() == 3);

        // when jobs 2 and 1 finish first, and the consumer has gone round its loop twice since
        jobs.job(0, 2).finish();
        jobs.job(0, 1).finish();
        consumer.awaitPolls(2, AT_MOST);

        // then nothing past offset 0 (the oldest unfinished job) is committed
        assertThat(consumer.highestCommitted(0)).as("highest offset committed while job 0 runs").isLessThanOrEqualTo(0);

        // when job 0 finishes too
        jobs.job(0, 0).finish();

        // then the commit moves past all three records at once
        await().atMost(AT_MOST).untilAsserted(() -> assertThat(consumer.lastCommitted(0)).isEqualTo(3));
        assertThat(committedOffsets(0)).containsExactly(0L, 3L);
        assertThat(jobConsumer.unfinishedJobs()).isZero();
    }

    @Test
    void shouldPauseItsPartitionsWhileTheJobSourceIsSaturatedAndResumeAfter() throws Exception {
        // given a source that takes at most two jobs in flight, and four records
        jobs.maxInFlight(2);
        consumer.assignAtNextPoll(0);
        consumer.append(0, 0, 1, 2, 3);

        // when the consumer reads them
        start(Duration.ofSeconds(10));

        // then it starts two jobs, pauses its partition and leaves the other records unread
        await().atMost(AT_MOST).until(() -> jobConsumer.paused() && consumer.paused().contains(partition(0)));
        consumer.awaitPolls(3, AT_MOST);
        assertThat(jobs.started()).containsExactly("0@0", "0@1");
        assertThat(consumer.position(partition(0))).as("position rewound to the first record not started")
                .isEqualTo(2);

        // when one job finishes
        jobs.job(0, 0).finish();

        // then it resumes, starts the next record, and pauses again at two in flight
        await().atMost(AT_MOST).until(jobs::started, started -> started.size() == 3);
        await().atMost(AT_MOST).until(() -> jobConsumer.paused() && consumer.paused().contains(partition(0)));
        assertThat(jobs.started()).containsExactly("0@0", "0@1", "0@2");

        // when the rest finishes
        jobs.job(0, 1).finish();
        jobs.job(0, 2).finish();
        await().atMost(AT_MOST).until(jobs::started, started -> started.size() == 4);
        jobs.job(0, 3).finish();

        // then every record ran exactly once, everything is committed and nothing stays paused
        await().atMost(AT_MOST).untilAsserted(() -> {
            assertThat(consumer.lastCommitted(0)).isEqualTo(4);
            assertThat(jobConsumer.paused()).isFalse();
            assertThat(consumer.paused()).isEmpty();
        });
        assertThat(jobs.started()).containsExactly("0@0", "0@1", "0@2", "0@3");
    }

    @Test
    void shouldWaitUpToRevokeWaitOnRevocationThenCancelTheRestAndCommitOnlyWhatFinished() throws Exception {
        // given partitions 0 and 1, records 0, 1 and 2 of partition 0 running, job 0 finished
        Duration revokeWait = Duration.ofMillis(600);
        consumer.assignAtNextPoll(0, 1);
        consumer.append(0, 0, 1, 2);
        start(revokeWait);
        await().atMost(AT_MOST).until(jobs::started, started -> started.size() == 3);
        jobs.job(0, 0).finish();
        // job 1 finishes 50 ms into the revocation, job 2 never does
        rebalances.onRevoked(() -> CompletableFuture.delayedExecutor(50, TimeUnit.MILLISECONDS)
                .execute(() -> jobs.job(0, 1).finish()));

        // when the group takes partition 0 away
        consumer.assignAtNextPoll(1);

        // then the revocation waited for job 1, gave up on job 2 after revokeWait, cancelled it,
        // and committed (synchronously) up to the unfinished job only
        await().atMost(AT_MOST).until(() -> jobConsumer.assignedPartitions() == 1);
        assertThat(consumer.lastCommitted(0)).as("offset handed over").isEqualTo(2);
        Commit handOver = lastSyncCommit(0).orElseThrow(() -> new AssertionError("no synchronous commit"));
        assertThat(handOver.offsets()).containsEntry(0, 2L);
        assertThat(Duration.ofNanos(handOver.atNanos() - rebalances.revokedAt.get()))
                .as("time the revocation waited").isGreaterThanOrEqualTo(revokeWait);
        assertThat(jobs.job(0, 2).cancelled()).isTrue();
        assertThat(jobs.job(0, 1).cancelled()).isFalse();
        assertThat(rebalances.revoked).containsExactly(List.of(partition(0)));

        // when partition 0 comes back (to this consumer, as its new owner)
        consumer.assignAtNextPoll(0, 1);

        // then the cancelled record is read again from the committed offset, and only it
        await().atMost(AT_MOST).until(jobs::started, started -> started.size() == 4);
        assertThat(jobs.started()).containsExactly("0@0", "0@1", "0@2", "0@2");
        jobs.job(0, 2).finish();
    }

    @Test
    void shouldLeaveFinishedWorkUncommittedWithinTheCommitIntervalAndCommitItWhenStopped() throws Exception {
        // given a commit interval longer than the test, and records 0 and 1 running as jobs
        consumer.assignAtNextPoll(0);
        consumer.append(0, 0, 1);
        start(new JobConsumer.Settings(POLL, Duration.ofSeconds(10), Duration.ofHours(1)));
        await().atMost(AT_MOST).until(jobs::started, started -> started.size() == 2);

        // when both finish and the consumer goes round its loop three times
        jobs.job(0, 0).finish();
        jobs.job(0, 1).finish();
        consumer.awaitPolls(3, AT_MOST);

        // then no poll committed them
        assertThat(committedOffsets(0)).isEmpty();

        // when the consumer is stopped
        jobConsumer.stop();

        // then the stop commits both at once
        assertThat(committedOffsets(0)).containsExactly(2L);
    }

    @Test
    void shouldCommitFinishedWorkWhenStopped() throws Exception {
        // given records 0, 1 and 2 running, 1 and 2 finished
        consumer.assignAtNextPoll(0);
        consumer.append(0, 0, 1, 2);
        start(Duration.ofSeconds(10));
        await().atMost(AT_MOST).until(jobs::started, started -> started.size() == 3);
        jobs.job(0, 1).finish();
        jobs.job(0, 2).finish();

        // when the consumer is stopped, and job 0 finishes while the stop waits for it
        jobs.job(0, 0).finishWhenAwaited(() -> !jobConsumer.isRunning());
        jobConsumer.stop();

        // then the stop committed all three synchronously, cancelled nothing and closed the consumer
        Commit last = consumer.commits().get(consumer.commits().size() - 1);
        assertThat(last.offsets()).containsEntry(0, 3L);
        assertThat(last.sync()).as("committed by the stop itself").isTrue();
        assertThat(List.of(jobs.job(0, 0), jobs.job(0, 1), jobs.job(0, 2)))
                .noneMatch(ScriptedJobs.ScriptedJob::cancelled);
        assertThat(consumer.closed()).isTrue();
        assertThat(jobConsumer.isRunning()).isFalse();
    }

    @Test
    void shouldCommitFinishedWorkWhenStoppedWhileTheLoopIsOutsidePoll() throws Exception {
        // given a loop held inside a job's start (not in poll) when the stop comes, the job then
        // finishing at once
        CountDownLatch inStart = new CountDownLatch(1);
        CountDownLatch goOn = new CountDownLatch(1);
        jobs.finishAtStart();
        jobs.beforeStart(record -> {
            inStart.countDown();
            awaitUninterruptibly(goOn);
        });
        consumer.assignAtNextPoll(0);
        consumer.append(0, 0);
        start(Duration.ofSeconds(10));
        assertThat(inStart.await(AT_MOST.toSeconds(), TimeUnit.SECONDS)).isTrue();

        // when the consumer is stopped there (its wakeup finds no poll to break), then the loop goes on
        CompletableFuture<Void> stopped = CompletableFuture.runAsync(jobConsumer::stop);
        await().atMost(AT_MOST).until(consumer::wakeupRequested);
        goOn.countDown();
        stopped.get(AT_MOST.toSeconds(), TimeUnit.SECONDS);

        // then the finished record is still committed by the stop (the pending wakeup must not eat it)
        assertThat(consumer.lastCommitted(0)).as("offset committed at stop").isEqualTo(1);
        assertThat(consumer.closed()).isTrue();
    }

    @Test
    void shouldKeepTheOffsetOfARecordWhoseJobCouldNotStartUncommitted() throws Exception {
        // given a source that fails to start the job of offset 1 (a bug), and records 0, 1 and 2
        jobs.failToStart(record -> record.offset() == 1);
        consumer.assignAtNextPoll(0);
        consumer.append(0, 0, 1, 2);
        start(Duration.ofMillis(100));
        await().atMost(AT_MOST).until(jobs::started, started -> started.size() == 2);

        // when the jobs that did start finish
        jobs.job(0, 0).finish();
        jobs.job(0, 2).finish();
        consumer.awaitPolls(2, AT_MOST);

        // then the commit stops at offset 1: a restart processes it again
        assertThat(consumer.highestCommitted(0)).isEqualTo(1);
        assertThat(jobConsumer.unfinishedJobs()).isEqualTo(1);
    }

    @Test
    void shouldDeadLetterAnUnreadableRecordAndCommitPastItAndPastAnEmptyOne() {
        // given an unreadable record (the deserializer's exception in a header) and an empty one
        consumer.assignAtNextPoll(0);
        RecordHeaders headers = new RecordHeaders();
        SerializationUtils.deserializationException(headers, "{not json".getBytes(StandardCharsets.UTF_8),
                new IllegalArgumentException("unreadable"), false);
        consumer.appendRecord(new ConsumerRecord<>(TOPIC, 0, 0, 0L, TimestampType.CREATE_TIME, 1, 9, "k0", null,
                headers, Optional.empty()));
        consumer.appendRecord(new ConsumerRecord<>(TOPIC, 0, 1, "k1", null));

        // when the consumer reads them
        start(Duration.ofSeconds(10));

        // then the unreadable one goes to the source's dead-letter path, the empty one is skipped,
        // and both are committed
        await().atMost(AT_MOST).untilAsserted(() -> assertThat(consumer.lastCommitted(0)).isEqualTo(2));
        assertThat(jobs.unreadable()).extracting(ConsumerRecord::offset).containsExactly(0L);
        assertThat(jobs.started()).isEmpty();
    }

    private static void awaitUninterruptibly(CountDownLatch latch) {
        try {
            if (!latch.await(AT_MOST.toSeconds(), TimeUnit.SECONDS)) {
                throw new AssertionError("the test did not let the consumer go on");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void start(Duration revokeWait) {
        start(new JobConsumer.Settings(POLL, revokeWait));
    }

    private void start(JobConsumer.Settings settings) {
        jobConsumer = new JobConsumer<>("jobs-test", TOPIC, () -> consumer, jobs, settings, rebalances);
        jobConsumer.start();
    }

    private List<Long> committedOffsets(int partition) {
        return consumer.commits().stream().map(c -> c.offsets().get(partition)).filter(o -> o != null).toList();
    }

    private Optional<Commit> lastSyncCommit(int partition) {
        List<Commit> commits = consumer.commits();
        for (int i = commits.size() - 1; i >= 0; i--) {
            if (commits.get(i).sync() && commits.get(i).offsets().containsKey(partition)) {
                return Optional.of(commits.get(i));
            }
        }
        return Optional.empty();
    }

    /** Records what the consumer tells its rebalance hook, and runs a test action on revocation. */
    private static final class Rebalances implements JobConsumer.RebalanceHook {

        final List<List<TopicPartition>> revoked = new CopyOnWriteArrayList<>();
        final AtomicLong revokedAt = new AtomicLong();
        private volatile Runnable onRevoked = () -> { };

        void onRevoked(Runnable action) {
            this.onRevoked = action;
        }

        @Override
        public void assigned(Consumer<?, ?> consumer, Collection<TopicPartition> partitions) {
        }

        @Override
        public void revoked(Collection<TopicPartition> partitions) {
            revokedAt.set(System.nanoTime());
            revoked.add(List.copyOf(partitions));
            onRevoked.run();
        }
    }
}
