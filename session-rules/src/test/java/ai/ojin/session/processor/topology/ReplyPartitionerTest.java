package ai.ojin.session.processor.topology;

import static org.assertj.core.api.Assertions.assertThat;

import ai.ojin.session.events.reply.SessionReply;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;

class ReplyPartitionerTest {

    private final ReplyPartitioner partitioner = new ReplyPartitioner();

    @Test
    void shouldSendAReplyToThePartitionNamedByTheCommandModuloTheCount() {
        // given
        SessionReply reply = SessionReply.success("a_1", null, null);

        // when / then
        assertThat(partitioner.partitions("r", "a_1", new Output.Reply(3, reply), 4)).isEqualTo(Optional.of(Set.of(3)));
        assertThat(partitioner.partitions("r", "a_1", new Output.Reply(6, reply), 4)).isEqualTo(Optional.of(Set.of(2)));
        assertThat(partitioner.partitions("r", "a_1", new Output.Reply(-1, reply), 4)).isEqualTo(Optional.of(Set.of(3)));
    }
}
