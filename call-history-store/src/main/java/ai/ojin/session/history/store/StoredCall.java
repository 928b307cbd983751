package ai.ojin.session.history.store;

import ai.ojin.session.history.call.CallState;

/**
 * A row of the store: the folded state of a session and whether its call record still has to be
 * published to {@code call-history} (the outbox flag).
 */
public record StoredCall(CallState state, boolean publishPending) {
}
