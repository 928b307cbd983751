package ai.ojin.session.processor.topology;

import ai.ojin.session.events.command.ParticipantPresence.Role;
import java.util.ArrayList;
import java.util.List;

/**
 * The processor's one entry per session (key = session id).
 *
 * @param until for a live session the end of its lease; for a closed one (ended, failed or
 *     rejected, kept as a small tombstone) when the entry is purged. Always epoch ms, and always
 *     the time of the session's expiry-index entry.
 * @param maxSessionSeconds the agent's limit at admission (the room and tokens were made with it)
 * @param firstJoinedAt when the user first joined the room (epoch ms), null while nobody did
 * @param present the participants in the room now (a few at most; bounded)
 * @param departed the participants seen leaving, most recent last (bounded), so that a duplicate
 *     or a late join of a participant that already left changes nothing
 */
public record SessionState(String agentId, Phase phase, long until, int maxSessionSeconds, Long firstJoinedAt,
                           List<Participant> present, List<String> departed) {

    /** How many participants a session remembers in each list; older entries are dropped first. */
    static final int MAX_TRACKED = 16;

    public enum Phase {
        ADMITTED,
        STARTED,
        CLOSED
    }

    /** A participant in the room: Daily's participant id and the role its meeting token gave it. */
    public record Participant(Role role, String id) {
    }

    public SessionState {
        present = present == null ? List.of() : List.copyOf(present);
        departed = departed == null ? List.of() : List.copyOf(departed);
    }

    static SessionState admitted(String agentId, long leaseUntil, int maxSessionSeconds) {
        return new SessionState(agentId, Phase.ADMITTED, leaseUntil, maxSessionSeconds, null, List.of(), List.of());
    }

    static SessionState rejected(String agentId) {
        return new SessionState(agentId, Phase.CLOSED, 0, 0, null, List.of(), List.of());
    }

    public boolean live() {
        return phase != Phase.CLOSED;
    }

    boolean userPresent() {
        return present.stream().anyMatch(p -> p.role() == Role.USER);
    }

    boolean isPresent(String participantId) {
        return present.stream().anyMatch(p -> p.id().equals(participantId));
    }

    boolean hasDeparted(String participantId) {
        return departed.contains(participantId);
    }

    SessionState withUntil(long value) {
        return new SessionState(agentId, phase, value, maxSessionSeconds, firstJoinedAt, present, departed);
    }

    SessionState started(long leaseUntil) {
        return new SessionState(agentId, Phase.STARTED, leaseUntil, maxSessionSeconds, firstJoinedAt, present, departed);
    }

    SessionState closed(long purgeAt) {
        // a tombstone only needs to say "this id was used"
        return new SessionState(agentId, Phase.CLOSED, purgeAt, maxSessionSeconds, null, List.of(), List.of());
    }

    SessionState joined(Participant participant, Long firstJoined) {
        List<Participant> now = new ArrayList<>(present);
        now.add(participant);
        return new SessionState(agentId, phase, until, maxSessionSeconds, firstJoined, bounded(now), departed);
    }

    SessionState left(String participantId) {
        List<Participant> now = new ArrayList<>(present);
        now.removeIf(p -> p.id().equals(participantId));
        List<String> gone = new ArrayList<>(departed);
        gone.add(participantId);
        return new SessionState(agentId, phase, until, maxSessionSeconds, firstJoinedAt, now, bounded(gone));
    }

    private static <T> List<T> bounded(List<T> list) {
        return list.size() <= MAX_TRACKED ? list : list.subList(list.size() - MAX_TRACKED, list.size());
    }
}
