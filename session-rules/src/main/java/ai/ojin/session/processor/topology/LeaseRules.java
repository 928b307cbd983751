package ai.ojin.session.processor.topology;

import ai.ojin.session.events.command.EndReason;
import ai.ojin.session.events.command.ParticipantPresence;
import ai.ojin.session.events.command.ParticipantPresence.Change;
import ai.ojin.session.events.command.ParticipantPresence.Role;
import ai.ojin.session.processor.topology.SessionState.Participant;
import ai.ojin.session.processor.topology.SessionState.Phase;

/**
 * How long a session holds its slot, as a pure function of its state and what happened (all times
 * epoch ms, wall clock of the processor):
 * <table>
 *   <caption>leases</caption>
 *   <tr><th>the session is</th><th>its lease ends at</th><th>when it runs out</th></tr>
 *   <tr><td>admitted</td><td>admission + start lease</td><td>{@code lease_expired}</td></tr>
 *   <tr><td>started, nobody joined yet</td><td>start + join timeout</td><td>{@code no_show}</td></tr>
 *   <tr><td>started, the user is in the room</td><td>first join + {@code max_session_seconds} + grace</td>
 *       <td>{@code lease_expired}</td></tr>
 *   <tr><td>started, the user left</td><td>the earlier of leave + rejoin timeout and the session lease</td>
 *       <td>{@code user_left}</td></tr>
 * </table>
 * Only the user's presence moves a lease; the bot's is recorded and changes nothing. Every join has a
 * new Daily participant id: a join of a participant already present or already gone, and a leave of
 * one not present, change nothing (duplicates and out-of-order webhooks). A leave that arrives before
 * its join is remembered, so the late join is ignored.
 */
final class LeaseRules {

    private final LeaseSettings settings;

    LeaseRules(LeaseSettings settings) {
        this.settings = settings;
    }

    long admittedUntil(long now) {
        return now + settings.startLease().toMillis();
    }

    /** The lease of a session marked started now (the user may have joined already: webhooks race the worker). */
    long startedUntil(SessionState state, long now) {
        if (state.userPresent()) {
            return sessionEnd(state);
        }
        if (state.firstJoinedAt() != null) {
            return Math.min(now + settings.rejoinTimeout().toMillis(), sessionEnd(state));
        }
        return now + settings.joinTimeout().toMillis();
    }

    /** Why a live session whose lease ran out ends. */
    EndReason expiryReason(SessionState state) {
        if (state.phase() != Phase.STARTED) {
            return EndReason.LEASE_EXPIRED;
        }
        if (state.firstJoinedAt() == null) {
            return EndReason.NO_SHOW;
        }
        return state.userPresent() ? EndReason.LEASE_EXPIRED : EndReason.USER_LEFT;
    }

    /**
     * What a participant's join or leave does to a live session.
     *
     * @param next the session's new state
     * @param recorded true when it is a change of presence to write as a fact; false when only the
     *     memory of departed participants changed (a leave seen before its join)
     */
    record Presence(SessionState next, boolean recorded) {
    }

    /** @return what changes, or null when the command changes nothing */
    Presence presence(SessionState state, ParticipantPresence command, long now) {
        SessionState next = apply(state, command, now);
        if (next == null) {
            return null;
        }
        boolean recorded = command.change() == Change.JOINED || state.isPresent(command.participantId());
        return new Presence(next, recorded);
    }

    private SessionState apply(SessionState state, ParticipantPresence command, long now) {
        String participant = command.participantId();
        if (command.change() == Change.JOINED) {
            if (state.isPresent(participant) || state.hasDeparted(participant)) {
                return null;
            }
            Long firstJoined = state.firstJoinedAt();
            if (command.role() == Role.USER && firstJoined == null) {
                firstJoined = eventTime(command, now);
            }
            SessionState joined = state.joined(new Participant(command.role(), participant), firstJoined);
            return command.role() == Role.USER && state.phase() == Phase.STARTED
                    ? joined.withUntil(sessionEnd(joined))
                    : joined;
        }
        if (!state.isPresent(participant)) {
            if (state.hasDeparted(participant)) {
                return null;
            }
            // left before its join was seen: remember it, the lease stays as it is
            return state.left(participant);
        }
        SessionState left = state.left(participant);
        if (command.role() == Role.USER && state.phase() == Phase.STARTED && !left.userPresent()) {
            return left.withUntil(Math.min(now + settings.rejoinTimeout().toMillis(), sessionEnd(left)));
        }
        return left;
    }

    /** The first join + the agent's maximum session length + grace. */
    long sessionEnd(SessionState state) {
        long joined = state.firstJoinedAt() == null ? 0 : state.firstJoinedAt();
        return joined + state.maxSessionSeconds() * 1000L + settings.grace().toMillis();
    }

    /** Daily's time of the event, never later than now (and now when it gave none). */
    static long eventTime(ParticipantPresence command, long now) {
        if (command.at() == null) {
            return now;
        }
        long at = command.at().toEpochMilli();
        return at > 0 && at < now ? at : now;
    }
}
