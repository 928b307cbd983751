package ai.ojin.session.room.jobs;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

/** The commit position rule of one partition, in isolation. */
class PartitionProgressTest {

    private final PartitionProgress progress = new PartitionProgress();

    @Test
    void shouldHaveNothingToCommitBeforeAnyRecordWasRead() {
        // given a partition nothing was read from

        // when / then
        assertThat(progress.committable()).isEqualTo(-1);
        assertThat(progress.advanced()).isFalse();
    }

    @Test
    void shouldNeverCommitPastTheOldestUnfinishedJob() {
        // given jobs for offsets 5, 6 and 7
        Job five = running();
        Job six = running();
        Job seven = running();
        progress.started(5, five);
        progress.started(6, six);
        progress.started(7, seven);

        // when 7 and then 6 finish first
        finish(seven, 7);
        finish(six, 6);

        // then the position stays at 5, the oldest unfinished job
        assertThat(progress.committable()).isEqualTo(5);
        assertThat(progress.unfinishedCount()).isEqualTo(1);

        // when 5 finishes
        finish(five, 5);

        // then the position is the next record to read
        assertThat(progress.committable()).isEqualTo(8);
        assertThat(progress.unfinishedCount()).isZero();
    }

    @Test
    void shouldStopAtAMiddleJobThatIsStillRunning() {
        // given jobs for offsets 0, 1 and 2, of which 0 and 2 finished
        Job zero = running();
        Job one = running();
        Job two = running();
        progress.started(0, zero);
        progress.started(1, one);
        progress.started(2, two);
        finish(zero, 0);
        finish(two, 2);

        // when / then
        assertThat(progress.committable()).isEqualTo(1);
        assertThat(progress.unfinishedJobs()).containsExactly(one);
    }

    @Test
    void shouldNotTrackJobsThatWereDoneWhenTheyStarted() {
        // given records with nothing to do
        progress.started(0, Job.finished());
        progress.started(1, Job.finished());

        // when / then
        assertThat(progress.unfinishedCount()).isZero();
        assertThat(progress.committable()).isEqualTo(2);
    }

    @Test
    void shouldSayItAdvancedOnlyWhenThePositionMovedPastTheLastCommit() {
        // given a finished job at offset 0 and a running one at offset 1
        progress.started(0, Job.finished());
        Job one = running();
        progress.started(1, one);
        assertThat(progress.advanced()).isTrue();

        // when position 1 is committed
        progress.committed(1);

        // then there is nothing new to commit until job 1 finishes
        assertThat(progress.advanced()).isFalse();
        finish(one, 1);
        assertThat(progress.advanced()).isTrue();
        assertThat(progress.committable()).isEqualTo(2);

        // and an older commit confirmed late does not move the mark back
        progress.committed(2);
        progress.committed(1);
        assertThat(progress.advanced()).isFalse();
    }

    @Test
    void shouldForgetJobsThatAreDoneButNotReportedWhenPruned() {
        // given jobs at offsets 3 and 4 whose completion was not reported yet, 4 done
        Job three = running();
        Job four = running();
        progress.started(3, three);
        progress.started(4, four);
        four.done().complete(null);

        // when pruned (a revocation does this before it commits)
        progress.prune();

        // then only job 3 holds the position back
        assertThat(progress.unfinishedJobs()).containsExactly(three);
        assertThat(progress.committable()).isEqualTo(3);
    }

    private static Job running() {
        return Job.of(new CompletableFuture<>());
    }

    private void finish(Job job, long offset) {
        job.done().complete(null);
        progress.finished(offset);
    }
}
