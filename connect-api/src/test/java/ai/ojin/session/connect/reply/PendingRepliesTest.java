package ai.ojin.session.connect.reply;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.ojin.session.events.reply.SessionReply;
import java.util.List;
import java.util.concurrent.ExecutionException;
import org.junit.jupiter.api.Test;

class PendingRepliesTest {

    @Test
    void shouldNameNoPartitionBeforeOneIsAssigned() {
        // given
        PendingReplies pending = new PendingReplies();

        // when / then
        assertThatThrownBy(() -> pending.register("s-1")).isInstanceOf(PendingReplies.NoReplyPartitionException.class);
        assertThat(pending.size()).isZero();
    }

    @Test
    void shouldNameTheOwnedPartitionsInTurn() {
        // given
        PendingReplies pending = new PendingReplies();
        pending.assigned(List.of(2, 0));

        // when
        List<Integer> named = List.of(pending.register("s-1").partition(), pending.register("s-2").partition(),
                pending.register("s-3").partition());

        // then
        assertThat(named).containsExactly(0, 2, 0);
    }

    @Test
    void shouldFailOnlyTheRequestsOnARevokedPartitionAndNeverNameItAgain() {
        // given: requests on partitions 0 and 1
        PendingReplies pending = new PendingReplies();
        pending.assigned(List.of(0, 1));
        PendingReplies.Waiting onZero = pending.register("s-0");
        PendingReplies.Waiting onOne = pending.register("s-1");

        // when
        int failed = pending.revoked(List.of(1));

        // then: the request on 1 failed once, the one on 0 still waits and takes its reply
        assertThat(failed).isEqualTo(1);
        assertThat(onOne.partition()).isEqualTo(1);
        assertThatThrownBy(() -> onOne.future().get()).isInstanceOf(ExecutionException.class)
                .hasCauseInstanceOf(PendingReplies.ReplyPartitionMovedException.class);
        assertThat(onZero.future()).isNotDone();
        assertThat(pending.complete(SessionReply.success("s-1", null, null))).isFalse();
        assertThat(pending.complete(SessionReply.success("s-0", null, null))).isTrue();
        assertThat(onZero.future()).isCompleted();
        // and later requests name only the partition still owned
        assertThat(pending.register("s-2").partition()).isZero();
        assertThat(pending.register("s-3").partition()).isZero();
        assertThat(pending.owned()).containsExactly(0);
        assertThat(pending.size()).isEqualTo(2);
    }

    @Test
    void shouldHandACorrelatedReplyToTheRequestWaitingUnderItsCorrelationId() throws Exception {
        // given: a repeated connect waiting under its own id
        PendingReplies pending = new PendingReplies();
        pending.assigned(List.of(0));
        PendingReplies.Waiting repeat = pending.register("a_repeat");

        // when: the answer names the original session, correlated to the repeat
        SessionReply reply = SessionReply.success("a_original", "https://r.test/o", "tok").correlatedTo("a_repeat");
        boolean taken = pending.complete(reply);

        // then
        assertThat(taken).isTrue();
        assertThat(repeat.future().get().sessionId()).isEqualTo("a_original");
        assertThat(pending.size()).isZero();
        assertThat(pending.complete(SessionReply.success("a_original", "https://r.test/o", "tok"))).isFalse();
    }

    @Test
    void shouldRemoveAnAbandonedWaitAndFailItsFuture() {
        // given
        PendingReplies pending = new PendingReplies();
        pending.assigned(List.of(0));
        PendingReplies.Waiting waiting = pending.register("s-gone");

        // when
        boolean abandoned = pending.abandon("s-gone");

        // then: gone from the map; a second abandon and a late reply find nothing
        assertThat(abandoned).isTrue();
        assertThat(pending.size()).isZero();
        assertThatThrownBy(() -> waiting.future().get()).isInstanceOf(ExecutionException.class)
                .hasCauseInstanceOf(PendingReplies.WaitAbandonedException.class);
        assertThat(pending.abandon("s-gone")).isFalse();
        assertThat(pending.complete(SessionReply.success("s-gone", null, null))).isFalse();
    }
}
