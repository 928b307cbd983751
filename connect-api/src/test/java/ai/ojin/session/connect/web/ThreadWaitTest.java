package ai.ojin.session.connect.web;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
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

        // when
        var result = new ThreadWait(Duration.ofSeconds(10)).await(answer);

        // then
        assertThat(result).contains("soon");
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
