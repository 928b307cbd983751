package ai.ojin.session.events.room;

import java.time.Instant;

/**
 * Which Daily room a session uses, on the compacted {@code room-assignments} topic (key = session
 * id; a tombstone once the room is deleted). Written by the room worker before the room is used, so
 * that a set-up run again (another instance after a crash, a rebalance) finds the same room, and so
 * that webhooks and reconciliation, which name rooms, find the session. No secrets.
 *
 * @param pooled true for a room taken from the warm pool (its name is not the session id)
 */
public record RoomAssignment(
        String sessionId,
        String agentId,
        String roomName,
        String roomUrl,
        boolean pooled,
        Instant assignedAt) {
}
