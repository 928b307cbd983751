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
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.kafka.core.KafkaTemplate;

/**
 * Sends a command to {@code session-commands} (key = agent id) and waits, without a thread, for
 * the reply addressed to this instance's reply partition. The waiting entry is registered before
 * the send and always removed again: on reply, on timeout ({@link java.util.concurrent.TimeoutException})
 * and on send failure ({@link CommandNotSentException}).
 */
public class CommandReplies {

    private static final Logger log = LoggerFactory.getLogger(CommandReplies.class);

    private final KafkaTemplate<String, SessionCommand> template;
    private final SessionTopics topics;
    private final PendingReplies pending;
    private final int replyPartition;
    private final String instanceId;
    private final Duration timeout;
    private final Clock clock;

    public CommandReplies(KafkaTemplate<String, SessionCommand> template, SessionTopics topics, PendingReplies pending,
            int replyPartition, String instanceId, Duration timeout, Clock clock) {
        this.template = template;
        this.topics = topics;
        this.pending = pending;
        this.replyPartition = replyPartition;
        this.instanceId = instanceId;
        this.timeout = timeout;
        this.clock = clock;
    }

    public int replyPartition() {
        return replyPartition;
    }

    /** The name of this instance in its requests (see {@code connect.instance-id}). */
    public String instanceId() {
        return instanceId;
    }

    /**
     * @param command builds the command from the deadline (now + reply timeout)
     * @return the reply; fails with a {@link java.util.concurrent.TimeoutException} or a
     *     {@link CommandNotSentException} (possibly wrapped in a {@link CompletionException})
     */
    public CompletableFuture<SessionReply> sendAndAwait(String sessionId, String agentId, Function<Instant, SessionCommand> command) {
        Instant deadline = clock.instant().plus(timeout);
        CompletableFuture<SessionReply> reply = pending.register(sessionId);
        try {
            template.send(topics.commands().name(), agentId, command.apply(deadline)).whenComplete((result, error) -> {
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

    /** The cause behind a {@link CompletionException}, or the throwable itself. */
    public static Throwable unwrap(Throwable error) {
        Throwable t = error;
        while (t instanceof CompletionException && t.getCause() != null) {
            t = t.getCause();
        }
        return t;
    }

    public static class CommandNotSentException extends RuntimeException {
        public CommandNotSentException(Throwable cause) {
            super("command not sent", cause);
        }
    }
}
