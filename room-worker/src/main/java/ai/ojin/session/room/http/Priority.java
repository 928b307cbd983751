package ai.ojin.session.room.http;

/**
 * Who gets the next permit of a shared rate limit first: set-ups ({@link #SETUP}: a caller waits)
 * before tear-downs and reconciliation ({@link #BACKGROUND}: nobody waits).
 */
public enum Priority {
    SETUP,
    BACKGROUND
}
