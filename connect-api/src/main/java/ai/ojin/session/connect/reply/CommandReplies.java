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
 * The request waits under an id (a session id, or the id of a repeated connect or a line query;
 * the reply carries it as {@link SessionReply#waitingId()}). The waiting entry is registered before
 * the send and always removed again: on reply, on timeout
 * ({@link java.util.concurrent.TimeoutException}), on send failure ({@link CommandNotSentException}),
 * when the partition moves to another instance ({@link PendingReplies.ReplyPartitionMovedException})
 * and when the caller stops waiting ({@link #abandon}, {@link PendingReplies.WaitAbandonedException}).
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

    /** How long a call waits for its reply unless it names a timeout of its own ({@code connect.reply-timeout}). */
    public Duration timeout() {
        return timeout;
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
        return sendAndAwait(sessionId, agentId, timeout, command);
    }

    /**
     * The same with a timeout of this call's own (a connect that may wait in the agent's line
     * waits that long more); the command's deadline is now + {@code timeout}.
     *
     * @param waitId the id the reply comes back under ({@link SessionReply#waitingId()})
     */
    public CompletableFuture<SessionReply> sendAndAwait(String waitId, String agentId, Duration timeout, CommandFor command) {
        Instant deadline = clock.instant().plus(timeout);
        PendingReplies.Waiting waiting;
        try {
            waiting = pending.register(waitId);
        } catch (PendingReplies.NoReplyPartitionException e) {
            log.warn("No command sent for session {}: {}", waitId, e.getMessage());
            return CompletableFuture.failedFuture(e);
        }
        CompletableFuture<SessionReply> reply = waiting.future();
        try {
            template.send(topics.commands().name(), agentId, command.build(deadline, waiting.partition())).whenComplete((result, error) -> {
                if (error != null) {
                    log.error("Could not send command for session {}", waitId, error);
                    reply.completeExceptionally(new CommandNotSentException(error));
                }
            });
        } catch (RuntimeException e) {
            log.error("Could not send command for session {}", waitId, e);
            reply.completeExceptionally(new CommandNotSentException(e));
        }
        reply.orTimeout(timeout.toMillis(), TimeUnit.MILLISECONDS);
        return reply.whenComplete((r, e) -> pending.forget(waitId, reply));
    }

    /**
     * The caller stops waiting for the reply under {@code waitId} (its client went away): the
     * waiting entry is removed and its future fails with
     * {@link PendingReplies.WaitAbandonedException}.
     *
     * @return true when a request was waiting under that id
     */
    public boolean abandon(String waitId) {
        return pending.abandon(waitId);
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
