package ai.ojin.session.room.session;

import ai.ojin.session.events.fact.SessionEnded;
import ai.ojin.session.room.config.RoomProperties;
import ai.ojin.session.room.daily.DailyApi;
import ai.ojin.session.room.http.Deadline;
import ai.ojin.session.room.orchestrator.Orchestrator;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Instant;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Removes a session's room (404 = gone) and stops its bot (404 = stopped). A failed tear-down is
 * logged and counted, not retried forever: the room's {@code exp} and the reconciliation bound it.
 */
public class SessionTeardown {

    private static final Logger log = LoggerFactory.getLogger(SessionTeardown.class);

    private final DailyApi daily;
    private final Orchestrator orchestrator;
    private final SessionRegistry registry;
    private final RoomProperties properties;
    private final MeterRegistry meters;

    public SessionTeardown(DailyApi daily, Orchestrator orchestrator, SessionRegistry registry, RoomProperties properties,
                           MeterRegistry meters) {
        this.daily = daily;
        this.orchestrator = orchestrator;
        this.registry = registry;
        this.properties = properties;
        this.meters = meters;
    }

    /** A session ended: cancel its set-up if it is in flight here (it cleans up), else tear down. */
    public CompletableFuture<Void> onEnded(SessionEnded ended) {
        Optional<InFlightSetup> inFlight = registry.ended(ended.sessionId());
        if (inFlight.isPresent()) {
            log.info("Session {} ended ({}) while being set up; the set-up will remove what it made",
                    ended.sessionId(), ended.reason());
            return inFlight.get().done().exceptionally(error -> null);
        }
        if (ended.at() != null && ended.at().isBefore(Instant.now().minus(properties.endedTeardownMaxAge()))) {
            meters.counter("room.teardowns", "outcome", "skipped_old").increment();
            return CompletableFuture.completedFuture(null);
        }
        return tearDown(ended.sessionId(), true);
    }

    /** Deletes the room named after the session and, when {@code stopBot}, stops its bot. */
    public CompletableFuture<Void> tearDown(String sessionId, boolean stopBot) {
        Deadline deadline = Deadline.in(properties.teardownBudget());
        CompletableFuture<Boolean> room = daily.deleteRoom(sessionId, deadline);
        CompletableFuture<Boolean> bot = stopBot ? orchestrator.stopBot(sessionId, deadline)
                : CompletableFuture.completedFuture(false);
        return room.handle((deleted, roomError) -> bot.handle((stopped, botError) -> {
            if (roomError != null || botError != null) {
                meters.counter("room.teardowns", "outcome", "failed").increment();
                if (roomError != null) {
                    log.error("Session {}: could not delete its room (its exp bounds it)", sessionId, roomError);
                }
                if (botError != null) {
                    log.error("Session {}: could not stop its bot", sessionId, botError);
                }
            } else {
                meters.counter("room.teardowns", "outcome", "done").increment();
                log.info("Session {} torn down (room deleted: {}, bot stopped: {})", sessionId, deleted, stopped);
            }
            return (Void) null;
        })).thenCompose(f -> f);
    }
}
