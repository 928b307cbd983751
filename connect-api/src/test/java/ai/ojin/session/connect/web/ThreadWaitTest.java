package ai.ojin.session.connect.web;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class ThreadWaitTest {

    @Test
    void shouldGiveAnAnswerThatIsAlreadyThereEvenWithoutAWait() {
        // given
        ThreadWait noWait = new ThreadWait(Duration.ZERO);

        // when / then
        assertThat(noWait.await(CompletableFuture.completedFuture("now"))).contains("now");
    }

    @Test
    void shouldWaitOnThisThreadForAnAnswerThatComesWithinTheWait() {
        // given: an answer that comes 20 ms later
        CompletableFuture<String> answer = CompletableFuture.supplyAsync(() -> "soon",
                CompletableFuture.delayedExecutor(20, TimeUnit.MILLISECONDS));

        // when: a wait of 10 s, which the answer's completion cuts short
        var result = assertTimeoutPreemptively(Duration.ofSeconds(5), () -> new ThreadWait(Duration.ofSeconds(10)).await(answer));

        // then
        assertThat(result).contains("soon");
    }

    @Test
    void shouldStopWaitingAtOnceWhenTheThreadIsInterruptedAndKeepTheInterrupt() {
        // given: an answer that never comes
        CompletableFuture<String> never = new CompletableFuture<>();
        ThreadWait wait = new ThreadWait(Duration.ofSeconds(10));

        // when: a wait of 10 s on a thread that is interrupted
        Object[] outcome = assertTimeoutPreemptively(Duration.ofSeconds(5), () -> {
            Thread.currentThread().interrupt();
            var result = wait.await(never);
            return new Object[] {result, Thread.interrupted()};
        }, "waited on an interrupted thread");

        // then: nothing, at once, and the interrupt is still there for the caller
        assertThat(outcome[0]).isEqualTo(Optional.empty());
        assertThat(outcome[1]).isEqualTo(true);
    }

    @Test
    void shouldGiveNothingForAnAnswerStillToComeOrAFailedOne() {
        // given
        ThreadWait wait = new ThreadWait(Duration.ofMillis(20));
        CompletableFuture<String> never = new CompletableFuture<>();

        // when / then: the caller's async path answers both
        assertThat(wait.await(never)).isEmpty();
        assertThat(never).isNotDone();
        assertThat(wait.await(CompletableFuture.<String>failedFuture(new IllegalStateException("broken")))).isEmpty();
    }
}
