package ai.ojin.session.connect.reply;

import ai.ojin.session.events.SessionIds;
import ai.ojin.session.events.command.EndReason;
import ai.ojin.session.events.command.ReleaseSession;
import ai.ojin.session.events.reply.SessionReply;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Clock;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What happens to a reply that no waiting request of this instance took. A success that hands out
 * a room (the caller went away, timed out, or this instance restarted and lost its waiting
 * requests) is released as {@code abandoned}, so its slot, room and bot come back at once instead
 * of at the join timeout; but only when
 * <ul>
 *   <li>the reply names this instance as the one that asked (instances reading the same partition
 *       never release each other's sessions, nor sessions of senders that named no instance), or
 *       this instance answered that session's request with a rejection read before its commit
 *       ({@link RejectionListener}; the rejection was aborted and the command admitted after all:
 *       the caller was told no and will not join), and</li>
 *   <li>this instance did not answer or release that session recently ({@link AnsweredSessions}):
 *       a second success reply for a session whose user already got the first must not end it.</li>
 * </ul>
 * Errors and end-session answers hold no slot and are only counted. Neither does a correlated
 * reply ({@link SessionReply#correlated()}): it answers a repeated connect (an
 * {@code Idempotency-Key} already used) with the session of the original request, which a repeat
 * never takes a slot for. Whoever asked for that session answers for it; a repeat's success is at
 * most a second success for it and is never released here, nor taken for a redelivered set-up.
 */
public class UnclaimedReplies {

    private static final Logger log = LoggerFactory.getLogger(UnclaimedReplies.class);

    private final String instanceId;
    private final AnsweredSessions answered;
    private final CommandReplies commands;
    private final MeterRegistry meters;
    private final Clock clock;

    public UnclaimedReplies(String instanceId, AnsweredSessions answered, CommandReplies commands, MeterRegistry meters,
                            Clock clock) {
        this.instanceId = instanceId;
        this.answered = answered;
        this.commands = commands;
        this.meters = meters;
        this.clock = clock;
    }

    /** A waiting request of this instance took {@code reply}. */
    public void taken(SessionReply reply) {
        if (reply.admitsToRoom()) {
            answered.remember(reply.sessionId());
        }
    }

    /** This instance stopped waiting for {@code sessionId} and released it itself. */
    public void released(String sessionId) {
        answered.remember(sessionId);
    }

    /** No waiting request took {@code reply}. */
    public void unclaimed(SessionReply reply) {
        unclaimed(reply, false);
    }

    /**
     * No waiting request took {@code reply}.
     *
     * @param rejectedEarlyHere this instance answered the session's request with a rejection read
     *     before its commit (so this instance asked, whatever instance the reply names)
     */
    public void unclaimed(SessionReply reply, boolean rejectedEarlyHere) {
        if (reply == null || !reply.admitsToRoom()) {
            count("no_slot");
            return;
        }
        if (reply.correlated()) {
            count("repeat");
            log.debug("Success for the repeated connect {} (session {}) that nobody waits for; kept", reply.correlationId(),
                    reply.sessionId());
            return;
        }
        if (!rejectedEarlyHere && !instanceId.equals(reply.instanceId())) {
            count("other_instance");
            log.debug("Reply for session {} was asked for by {}, not by this instance", reply.sessionId(), reply.instanceId());
            return;
        }
        if (answered.contains(reply.sessionId())) {
            count("already_answered");
            log.info("Another success reply for session {}, already answered or released here; kept", reply.sessionId());
            return;
        }
        Optional<String> agentId = SessionIds.agentOf(reply.sessionId());
        if (agentId.isEmpty()) {
            count("no_slot");
            return;
        }
        answered.remember(reply.sessionId());
        if (rejectedEarlyHere) {
            count("released_after_early_rejection");
            log.warn("Session {} was admitted after its caller got a rejection read before the commit "
                    + "(that rejection was aborted); releasing it as abandoned", reply.sessionId());
        } else {
            count("released");
            log.warn("Nobody waits for the admitted session {} any more (caller gone or this instance restarted); "
                    + "releasing it as abandoned", reply.sessionId());
        }
        commands.send(agentId.get(), new ReleaseSession(reply.sessionId(), agentId.get(), EndReason.ABANDONED, clock.instant()));
    }

    private void count(String outcome) {
        meters.counter("connect.replies.unclaimed", "outcome", outcome).increment();
    }
}
