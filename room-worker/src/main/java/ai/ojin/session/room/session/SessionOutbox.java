package ai.ojin.session.room.session;

import ai.ojin.session.events.command.SessionCommand;
import ai.ojin.session.events.reply.SessionReply;
import ai.ojin.session.events.topic.SessionTopics;
import java.util.concurrent.CompletableFuture;
import org.springframework.kafka.core.KafkaTemplate;

/**
 * What the worker writes: replies to the waiting connect-api instance (the only records with a
 * meeting token) and commands to the session processor. Futures complete when the broker acked,
 * and fail (never throw) when the write did not succeed.
 */
public class SessionOutbox {

    private final SessionTopics topics;
    private final KafkaTemplate<String, SessionReply> replies;
    private final KafkaTemplate<String, SessionCommand> commands;

    public SessionOutbox(SessionTopics topics, KafkaTemplate<String, SessionReply> replies,
                         KafkaTemplate<String, SessionCommand> commands) {
        this.topics = topics;
        this.replies = replies;
        this.commands = commands;
    }

    /** Sends the reply on the waiting instance's partition, keyed by session id. */
    public CompletableFuture<Void> reply(int partition, SessionReply reply) {
        try {
            return replies.send(topics.replies().record(partition, reply.sessionId(), reply)).thenApply(result -> null);
        } catch (RuntimeException e) {
            return CompletableFuture.failedFuture(e);
        }
    }

    /** Sends a command keyed by its agent id. */
    public CompletableFuture<Void> command(SessionCommand command) {
        try {
            return commands.send(topics.commands().record(command.agentId(), command)).thenApply(result -> null);
        } catch (RuntimeException e) {
            return CompletableFuture.failedFuture(e);
        }
    }
}
