package ai.ojin.session.connect.reply;

import ai.ojin.session.events.command.SessionCommand;
import ai.ojin.session.events.reply.SessionReply;
import ai.ojin.session.events.topic.SessionTopics;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.kafka.core.KafkaTemplate;

/**
 * Sends a command to {@code session-commands} (key = agent id) and waits, without a thread, for
 * the reply addressed to a reply partition this instance reads ({@link PendingReplies} picks it).
 * The waiting entry is registered before the send and always removed again: on reply, on timeout
 * ({@link java.util.concurrent.TimeoutException}), on send failure ({@link CommandNotSentException})
 * and when the partition moves to another instance
 * ({@link PendingReplies.ReplyPartitionMovedException}).
 */
public class CommandReplies {

    private static final Logger log = LoggerFactory.getLogger(CommandReplies.class);

    private final KafkaTemplate<String, SessionCommand> template;
    private final SessionTopics topics;
    private final PendingReplies pending;
    private final String instanceId;
    private final Duration timeout;
    private final Clock clock;

    public CommandReplies(KafkaTemplate<String, SessionCommand> template, SessionTopics topics, PendingReplies pending,
            String instanceId, Duration timeout, Clock clock) {
        this.template = template;
        this.topics = topics;
        this.pending = pending;
        this.instanceId = instanceId;
        this.timeout = timeout;
        this.clock = clock;
    }

    /** Builds the command from the deadline (now + reply timeout) and the reply partition to name. */
    @FunctionalInterface
    public interface CommandFor {
        SessionCommand build(Instant deadline, int replyPartition);
    }

    /** The name of this instance in its requests (see {@code connect.instance-id}). */
    public String instanceId() {
        return instanceId;
    }

    /**
     * @param command builds the command from the deadline and the reply partition
     * @return the reply; fails with a {@link java.util.concurrent.TimeoutException}, a
     *     {@link CommandNotSentException}, a {@link PendingReplies.ReplyPartitionMovedException}
     *     (the command was sent) or a {@link PendingReplies.NoReplyPartitionException} (nothing was
     *     sent), possibly wrapped in a {@link CompletionException}
     * @throws IllegalStateException when a request for the same session is already waiting
     */
    public CompletableFuture<SessionReply> sendAndAwait(String sessionId, String agentId, CommandFor command) {
        Instant deadline = clock.instant().plus(timeout);
        PendingReplies.Waiting waiting;
        try {
            waiting = pending.register(sessionId);
        } catch (PendingReplies.NoReplyPartitionException e) {
            log.warn("No command sent for session {}: {}", sessionId, e.getMessage());
            return CompletableFuture.failedFuture(e);
        }
        CompletableFuture<SessionReply> reply = waiting.future();
        try {
            template.send(topics.commands().name(), agentId, command.build(deadline, waiting.partition())).whenComplete((result, error) -> {
                if (error != null) {
                    log.error("Could not send command for session {}", sessionId, error);
                    reply.completeExceptionally(new CommandNotSentException(error));
                }
            });
        } catch (RuntimeException e) {
            log.error("Could not send command for session {}", sessionId, e);
            reply.completeExceptionally(new CommandNotSentException(e));
        }
        reply.orTimeout(timeout.toMillis(), TimeUnit.MILLISECONDS);
        return reply.whenComplete((r, e) -> pending.forget(sessionId, reply));
    }

    /** Fire and forget; a failure is logged. */
    public void send(String agentId, SessionCommand command) {
        try {
            template.send(topics.commands().name(), agentId, command).whenComplete((result, error) -> {
                if (error != null) {
                    log.error("Could not send {} for session {}", command.getClass().getSimpleName(), command.sessionId(), error);
                }
            });
        } catch (RuntimeException e) {
            log.error("Could not send {} for session {}", command.getClass().getSimpleName(), command.sessionId(), e);
        }
    }

    public static class CommandNotSentException extends RuntimeException {
        public CommandNotSentException(Throwable cause) {
            super("command not sent", cause);
        }
    }
}
