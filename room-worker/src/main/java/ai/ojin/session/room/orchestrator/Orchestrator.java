package ai.ojin.session.room.orchestrator;

import ai.ojin.session.room.http.Deadline;
import java.util.concurrent.CompletableFuture;

/**
 * Our agent orchestrator contract (DESIGN.md). Futures fail with
 * {@link ai.ojin.session.room.http.ExternalCallException}.
 */
public interface Orchestrator {

    /** Completes when the orchestrator accepted (2xx) the start. */
    CompletableFuture<Void> startBot(BotStart start, Deadline deadline);

    /** @return true when stopped, false when no bot ran (404) */
    CompletableFuture<Boolean> stopBot(String sessionId, Deadline deadline);
}
