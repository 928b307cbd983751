package ai.ojin.session.room.session;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * What this worker knows about sessions, from the facts it read: live sessions (admitted or
 * started, not yet ended or failed), set-ups in flight, and recently ended sessions (bounded) so
 * that a redelivered admission of an ended session is not set up again.
 */
public final class SessionRegistry {

    private static final int ENDED_CAPACITY = 100_000;

    private final Set<String> live = ConcurrentHashMap.newKeySet();
    private final Map<String, InFlightSetup> inFlight = new ConcurrentHashMap<>();
    private final Map<String, Boolean> ended = Collections.synchronizedMap(new LinkedHashMap<>(1024, 0.75f, false) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, Boolean> eldest) {
            return size() > ENDED_CAPACITY;
        }
    });

    public void admitted(String sessionId) {
        if (!ended.containsKey(sessionId)) {
            live.add(sessionId);
        }
    }

    public void started(String sessionId) {
        admitted(sessionId);
    }

    public void failed(String sessionId) {
        live.remove(sessionId);
    }

    /**
     * Records the end of a session and cancels its set-up when one is in flight here.
     *
     * @return the cancelled set-up, if there was one
     */
    public Optional<InFlightSetup> ended(String sessionId) {
        ended.put(sessionId, Boolean.TRUE);
        live.remove(sessionId);
        InFlightSetup setup = inFlight.get(sessionId);
        if (setup != null) {
            setup.cancel();
        }
        return Optional.ofNullable(setup);
    }

    public boolean hasEnded(String sessionId) {
        return ended.containsKey(sessionId);
    }

    /** Live, or being set up right now. */
    public boolean isKnownLive(String sessionId) {
        return live.contains(sessionId) || inFlight.containsKey(sessionId);
    }

    /** Registers a set-up; empty when one for the same session is already in flight. */
    public Optional<InFlightSetup> begin(String sessionId) {
        InFlightSetup setup = new InFlightSetup(sessionId);
        return inFlight.putIfAbsent(sessionId, setup) == null ? Optional.of(setup) : Optional.empty();
    }

    public Optional<InFlightSetup> inFlight(String sessionId) {
        return Optional.ofNullable(inFlight.get(sessionId));
    }

    public void finish(InFlightSetup setup) {
        inFlight.remove(setup.sessionId(), setup);
    }

    public int inFlightCount() {
        return inFlight.size();
    }

    public int liveCount() {
        return live.size();
    }
}
