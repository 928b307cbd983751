package ai.ojin.session.room.http;

/**
 * Who gets the next permit of a rate limit first, highest first: {@link #SETUP} (a caller waits for
 * the answer), {@link #ENDING} (closing an ended session's room, stopping its bot, emptying the pool
 * on stop), {@link #REFILL} (the warm pool's room creations), {@link #HOUSEKEEPING} (the
 * reconciliation's listing, deleting rooms that are closed already).
 */
public enum Priority {
    SETUP,
    ENDING,
    REFILL,
    HOUSEKEEPING
}
