package ai.ojin.session.room.orchestrator;

import ai.ojin.session.room.http.Deadline;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;

/** In-process stand-in when no ORCHESTRATOR_URL is set and simulation is allowed: no bot joins. */
public final class SimulatedOrchestrator implements Orchestrator {

    private final Set<String> running = ConcurrentHashMap.newKeySet();

    @Override
    public CompletableFuture<Void> startBot(BotStart start, Deadline deadline) {
        running.add(start.sessionId());
        return CompletableFuture.completedFuture(null);
    }

    @Override
    public CompletableFuture<Boolean> stopBot(String sessionId, Deadline deadline) {
        return CompletableFuture.completedFuture(running.remove(sessionId));
    }
}
