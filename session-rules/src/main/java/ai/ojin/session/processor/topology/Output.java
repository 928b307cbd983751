package ai.ojin.session.processor.topology;

import ai.ojin.session.events.fact.SessionEvent;
import ai.ojin.session.events.reply.SessionReply;

/** What the command processor emits: a fact for {@code session-events} or an addressed reply. */
sealed interface Output {

    record Fact(SessionEvent fact) implements Output {
    }

    /** A reply and the partition of {@code session-replies} its waiting instance reads. */
    record Reply(int partition, SessionReply reply) implements Output {
    }
}
