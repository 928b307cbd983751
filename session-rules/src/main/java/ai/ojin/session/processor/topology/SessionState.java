package ai.ojin.session.processor.topology;

import ai.ojin.session.events.command.ParticipantPresence.Role;
import ai.ojin.session.events.reply.ErrorCode;
import java.time.Instant;
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
 * @param waiter while {@link Phase#WAITING}: its place in the line and how to admit it; else null
 * @param key the session's {@code Idempotency-Key} (hash), null when the request had none; a closed
 *     session keeps it (with its outcome) until it is purged
 */
public record SessionState(String agentId, Phase phase, long until, int maxSessionSeconds, Long firstJoinedAt,
                           List<Participant> present, List<String> departed, Waiter waiter, Key key) {

    /** How many participants a session remembers in each list; older entries are dropped first. */
    static final int MAX_TRACKED = 16;

    public enum Phase {
        /** In the agent's line ({@code Prefer: wait}); holds no slot; {@code until} is the end of its wait. */
        WAITING,
        ADMITTED,
        STARTED,
        CLOSED
    }

    /** A participant in the room: Daily's participant id and the role its meeting token gave it. */
    public record Participant(Role role, String id) {
    }

    /**
     * A waiter's place in its agent's line and what its admission needs.
     *
     * @param seq its order in the line (the offset of its request; earlier is smaller)
     * @param queuedAt when it joined the line (epoch ms)
     */
    public record Waiter(long seq, long queuedAt, String clientUserRef, int replyPartition, Instant deadline,
                         String instanceId) {
    }

    /**
     * The session's {@code Idempotency-Key}.
     *
     * @param hash the key's hash
     * @param requestHash the hash of the body it was first used with
     * @param until the key binds the session at least until then (epoch ms)
     * @param repeats repeated requests waiting for the session to be up (bounded)
     * @param outcome once closed: the answer a repeat gets ({@code session_ended} after a normal end)
     * @param roomName once started: the session's room (a repeat is answered with it)
     * @param roomUrl once started: the room's URL
     */
    public record Key(String hash, String requestHash, long until, List<Address> repeats, ErrorCode outcome,
                      String roomName, String roomUrl) {

        public Key {
            repeats = repeats == null ? List.of() : List.copyOf(repeats);
        }

        Key withRepeat(Address address) {
            List<Address> all = new ArrayList<>(repeats);
            all.add(address);
            return new Key(hash, requestHash, until, all, outcome, roomName, roomUrl);
        }

        Key answered(ErrorCode result) {
            return new Key(hash, requestHash, until, List.of(), result, null, null);
        }

        /** The session is up in this room; the repeats that waited for it are answered now. */
        Key started(String name, String url) {
            return new Key(hash, requestHash, until, List.of(), outcome, name, url);
        }
    }

    /** Where a waiting request is answered: its reply partition, instance and the id it waits under. */
    public record Address(String correlationId, int replyPartition, String instanceId, Instant deadline) {
    }

    public SessionState {
        present = present == null ? List.of() : List.copyOf(present);
        departed = departed == null ? List.of() : List.copyOf(departed);
    }

    static SessionState admitted(String agentId, long leaseUntil, int maxSessionSeconds, Key key) {
        return new SessionState(agentId, Phase.ADMITTED, leaseUntil, maxSessionSeconds, null, List.of(), List.of(), null,
                key);
    }

    static SessionState waiting(String agentId, long waitUntil, Waiter waiter, Key key) {
        return new SessionState(agentId, Phase.WAITING, waitUntil, 0, null, List.of(), List.of(), waiter, key);
    }

    /** The tombstone of a rejected request, purged at {@code purgeAt} (keyed: not before its key's window ends). */
    static SessionState rejected(String agentId, Key key, ErrorCode code, long purgeAt) {
        return new SessionState(agentId, Phase.CLOSED, purgeAt, 0, null, List.of(), List.of(), null, key)
                .closed(purgeAt, code);
    }

    /** Whether the session holds a slot (admitted or started). */
    public boolean live() {
        return phase == Phase.ADMITTED || phase == Phase.STARTED;
    }

    public boolean waiting() {
        return phase == Phase.WAITING;
    }

    SessionState withKey(Key value) {
        return new SessionState(agentId, phase, until, maxSessionSeconds, firstJoinedAt, present, departed, waiter, value);
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
        return new SessionState(agentId, phase, value, maxSessionSeconds, firstJoinedAt, present, departed, waiter, key);
    }

    SessionState started(long leaseUntil) {
        return new SessionState(agentId, Phase.STARTED, leaseUntil, maxSessionSeconds, firstJoinedAt, present, departed,
                null, key);
    }

    /**
     * A tombstone: it only needs to say "this id was used", and for a keyed session what a repeat
     * is answered ({@code outcome}); a keyed tombstone is kept at least until its key's window ends.
     */
    SessionState closed(long purgeAt, ErrorCode outcome) {
        Key answered = key == null ? null : key.answered(outcome);
        long until = answered == null ? purgeAt : Math.max(purgeAt, answered.until());
        return new SessionState(agentId, Phase.CLOSED, until, maxSessionSeconds, null, List.of(), List.of(), null, answered);
    }

    /** A tombstone that no longer binds its key (a waiter whose caller went away: the key may be used again). */
    SessionState closedWithoutKey(long purgeAt) {
        return new SessionState(agentId, Phase.CLOSED, purgeAt, maxSessionSeconds, null, List.of(), List.of(), null, null);
    }

    SessionState joined(Participant participant, Long firstJoined) {
        List<Participant> now = new ArrayList<>(present);
        now.add(participant);
        return new SessionState(agentId, phase, until, maxSessionSeconds, firstJoined, bounded(now), departed, waiter, key);
    }

    SessionState left(String participantId) {
        List<Participant> now = new ArrayList<>(present);
        now.removeIf(p -> p.id().equals(participantId));
        List<String> gone = new ArrayList<>(departed);
        gone.add(participantId);
        return new SessionState(agentId, phase, until, maxSessionSeconds, firstJoinedAt, now, bounded(gone), waiter, key);
    }

    private static <T> List<T> bounded(List<T> list) {
        return list.size() <= MAX_TRACKED ? list : list.subList(list.size() - MAX_TRACKED, list.size());
    }
}
