package ai.ojin.session.room.jobs;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

/** The lane's bound on work in progress, its FIFO queue, and failures passed through. */
class JobLaneTest {

    @Test
    void shouldRunAtMostItsConcurrencyAndStartTheRestInArrivalOrder() {
        // given a lane of 2 and five pieces of work that finish when the test says
        JobLane lane = new JobLane(2);
        List<CompletableFuture<Void>> work = new ArrayList<>();
        List<Integer> startedOrder = new CopyOnWriteArrayList<>();
        List<CompletableFuture<Void>> done = new ArrayList<>();

        // when all five are submitted
        for (int i = 0; i < 5; i++) {
            CompletableFuture<Void> piece = new CompletableFuture<>();
            work.add(piece);
            int number = i;
            done.add(lane.submit(() -> {
                startedOrder.add(number);
                return piece;
            }));
        }

        // then two run and three wait
        assertThat(startedOrder).containsExactly(0, 1);
        assertThat(lane.running()).isEqualTo(2);
        assertThat(lane.size()).isEqualTo(5);

        // when the second one finishes, then the third starts (not before)
        work.get(1).complete(null);
        assertThat(done.get(1)).isCompleted();
        assertThat(startedOrder).containsExactly(0, 1, 2);

        // when everything finishes, then each started once, in order, and the lane is empty
        work.get(0).complete(null);
        work.get(2).complete(null);
        work.get(3).complete(null);
        work.get(4).complete(null);
        assertThat(startedOrder).containsExactly(0, 1, 2, 3, 4);
        assertThat(done).allMatch(CompletableFuture::isDone);
        assertThat(lane.size()).isZero();
    }

    @Test
    void shouldPassFailuresOnAndKeepGoing() {
        // given a lane of 1 whose first piece throws and second fails
        JobLane lane = new JobLane(1);

        // when
        CompletableFuture<Void> thrown = lane.submit(() -> {
            throw new IllegalStateException("thrown");
        });
        CompletableFuture<Void> failed = lane.submit(() -> CompletableFuture.failedFuture(new IllegalStateException()));
        CompletableFuture<Void> fine = lane.submit(() -> CompletableFuture.completedFuture(null));

        // then the failures reach their callers and the lane still runs the next piece
        assertThat(thrown).isCompletedExceptionally();
        assertThat(failed).isCompletedExceptionally();
        assertThat(fine).isCompleted();
        assertThat(lane.size()).isZero();
    }
}
