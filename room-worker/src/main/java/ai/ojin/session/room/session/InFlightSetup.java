package ai.ojin.session.room.session;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;

/** A session being set up in this worker; cancelled when its session ends meanwhile. */
public final class InFlightSetup {

    private final String sessionId;
    private final AtomicBoolean cancelled = new AtomicBoolean();
    private final CompletableFuture<Void> done = new CompletableFuture<>();

    InFlightSetup(String sessionId) {
        this.sessionId = sessionId;
    }

    public String sessionId() {
        return sessionId;
    }

    public void cancel() {
        cancelled.set(true);
    }

    public boolean cancelled() {
        return cancelled.get();
    }

    /** Completes when the set-up (and any clean-up it owed) is over. */
    public CompletableFuture<Void> done() {
        return done;
    }
}
