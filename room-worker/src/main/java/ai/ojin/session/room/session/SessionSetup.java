package ai.ojin.session.room.session;

import ai.ojin.session.events.command.EndReason;
import ai.ojin.session.events.command.MarkStarted;
import ai.ojin.session.events.command.ReleaseSession;
import ai.ojin.session.events.fact.SessionAdmitted;
import ai.ojin.session.events.reply.ErrorCode;
import ai.ojin.session.events.reply.SessionReply;
import ai.ojin.session.room.config.RoomProperties;
import ai.ojin.session.room.daily.DailyApi;
import ai.ojin.session.room.daily.DailyRoom;
import ai.ojin.session.room.daily.MeetingTokenRequest;
import ai.ojin.session.room.daily.RoomExistsException;
import ai.ojin.session.room.http.Deadline;
import ai.ojin.session.room.http.ExternalCallException;
import ai.ojin.session.room.orchestrator.BotStart;
import ai.ojin.session.room.orchestrator.Orchestrator;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Instant;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sets one admitted session up, asynchronously and within the set-up budget: the room named after
 * the session (reused when it exists: redelivery), the user's and the bot's tokens, the bot; then
 * the success reply and {@code MarkStarted}. On failure it removes what it made, replies the error
 * and releases the slot. When the session ends meanwhile, it removes what it made and stays silent.
 */
public class SessionSetup {

    private static final Logger log = LoggerFactory.getLogger(SessionSetup.class);
    private static final String USER_NAME = "user";

    private final DailyApi daily;
    private final Orchestrator orchestrator;
    private final SessionOutbox outbox;
    private final SessionRegistry registry;
    private final SessionTeardown teardown;
    private final RoomProperties properties;
    private final MeterRegistry meters;

    public SessionSetup(DailyApi daily, Orchestrator orchestrator, SessionOutbox outbox, SessionRegistry registry,
                        SessionTeardown teardown, RoomProperties properties, MeterRegistry meters) {
        this.daily = daily;
        this.orchestrator = orchestrator;
        this.outbox = outbox;
        this.registry = registry;
        this.teardown = teardown;
        this.properties = properties;
        this.meters = meters;
    }

    /**
     * Completes when the session is set up and answered, or failed and compensated, or skipped.
     * Fails only when the outcome could not be written to Kafka (the record must be processed again).
     */
    public CompletableFuture<Void> setUp(SessionAdmitted admitted) {
        String sessionId = admitted.sessionId();
        if (registry.hasEnded(sessionId)) {
            log.info("Session {} already ended; not setting it up", sessionId);
            count("skipped_ended");
            return CompletableFuture.completedFuture(null);
        }
        if (admitted.deadline() != null && !Instant.now().isBefore(admitted.deadline())) {
            log.info("Session {}: the caller's deadline {} has passed; not setting it up", sessionId, admitted.deadline());
            registry.failed(sessionId);
            count("skipped_expired");
            return CompletableFuture.completedFuture(null);
        }
        Optional<InFlightSetup> begun = registry.begin(sessionId);
        if (begun.isEmpty()) {
            return registry.inFlight(sessionId).map(InFlightSetup::done).orElse(CompletableFuture.completedFuture(null));
        }
        Run run = new Run(admitted, begun.get(), Deadline.within(properties.setupBudget(), admitted.deadline()),
                Instant.now().plusSeconds(Math.max(1, admitted.maxSessionSeconds())).plus(properties.sessionExpGrace()));
        Timer.Sample sample = Timer.start(meters);
        run.steps()
                .handle((ok, error) -> conclude(run, unwrap(error)))
                .thenCompose(outcome -> outcome)
                .whenComplete((outcome, error) -> {
                    registry.finish(run.setup);
                    sample.stop(meters.timer("room.setups", "outcome", error != null ? "unwritten" : outcome));
                    if (error != null) {
                        log.error("Session {}: could not write the outcome of its set-up", sessionId, error);
                        run.setup.done().completeExceptionally(error);
                    } else {
                        run.setup.done().complete(null);
                    }
                });
        return run.setup.done();
    }

    /** The state of one set-up. */
    private final class Run {

        final SessionAdmitted admitted;
        final InFlightSetup setup;
        final Deadline deadline;
        final Instant exp;
        volatile DailyRoom room;
        volatile boolean botRequested;

        Run(SessionAdmitted admitted, InFlightSetup setup, Deadline deadline, Instant exp) {
            this.admitted = admitted;
            this.setup = setup;
            this.deadline = deadline;
            this.exp = exp;
        }

        String name() {
            return admitted.sessionId();
        }

        CompletableFuture<Void> steps() {
            CompletableFuture<Tokens> dailyPart = createOrReuseRoom()
                    .thenCompose(created -> {
                        room = created;
                        checkCancelled();
                        CompletableFuture<String> user = daily.mintToken(
                                new MeetingTokenRequest(name(), false, USER_NAME, exp), deadline);
                        CompletableFuture<String> bot = daily.mintToken(
                                new MeetingTokenRequest(name(), false, properties.daily().botUserName(), exp), deadline);
                        return user.thenCombine(bot, Tokens::new);
                    });
            return tagged(dailyPart, ErrorCode.ROOM_CREATION_FAILED)
                    .thenCompose(tokens -> {
                        checkCancelled();
                        botRequested = true;
                        BotStart start = new BotStart(name(), admitted.agentId(), room.url(), tokens.bot(),
                                admitted.clientUserRef());
                        return tagged(orchestrator.startBot(start, deadline), ErrorCode.ORCHESTRATOR_ERROR)
                                .thenApply(ignored -> tokens);
                    })
                    .thenCompose(tokens -> {
                        checkCancelled();
                        return succeed(this, tokens);
                    });
        }

        private CompletableFuture<DailyRoom> createOrReuseRoom() {
            return daily.createRoom(name(), exp, deadline)
                    .exceptionallyCompose(error -> {
                        if (unwrap(error) instanceof RoomExistsException) {
                            log.info("Session {}: room exists (redelivery); reusing it", name());
                            return daily.getRoom(name(), deadline).thenApply(found -> found.orElseThrow(
                                    () -> new ExternalCallException("room " + name() + " vanished", 404)));
                        }
                        return CompletableFuture.failedFuture(error);
                    });
        }

        private void checkCancelled() {
            if (setup.cancelled()) {
                throw new SetupCancelled();
            }
        }
    }

    private record Tokens(String user, String bot) {
        @Override
        public String toString() {
            return "Tokens[***]";
        }
    }

    private CompletableFuture<Void> succeed(Run run, Tokens tokens) {
        SessionAdmitted admitted = run.admitted;
        CompletableFuture<Void> reply = outbox.reply(admitted.replyPartition(),
                SessionReply.success(admitted.sessionId(), run.room.url(), tokens.user()));
        CompletableFuture<Void> started = outbox.command(new MarkStarted(admitted.sessionId(), admitted.agentId(),
                run.room.name(), run.room.url(), Instant.now()));
        return CompletableFuture.allOf(reply, started);
    }

    /** @return the outcome tag, once every clean-up and every message it owes is done */
    private CompletableFuture<String> conclude(Run run, Throwable error) {
        String sessionId = run.name();
        if (error == null) {
            log.info("Session {} set up: room {} and bot ready", sessionId, run.room.url());
            return CompletableFuture.completedFuture("success");
        }
        if (error instanceof SetupCancelled || run.setup.cancelled()) {
            log.info("Session {} ended during its set-up; removing what was made", sessionId);
            return teardown.tearDown(sessionId, run.botRequested).thenApply(ignored -> "cancelled");
        }
        if (!(error instanceof SetupFailure failure)) {
            return CompletableFuture.failedFuture(error);
        }
        ErrorCode code = failure.code;
        registry.failed(sessionId);
        log.warn("Session {}: set-up failed with {}: {}", sessionId, code.wire(), failure.getCause().getMessage());
        CompletableFuture<Void> cleanup = run.room != null || code == ErrorCode.ORCHESTRATOR_ERROR
                ? teardown.tearDown(sessionId, run.botRequested)
                : CompletableFuture.completedFuture(null);
        EndReason reason = code == ErrorCode.ORCHESTRATOR_ERROR ? EndReason.ORCHESTRATOR_ERROR : EndReason.ROOM_CREATION_FAILED;
        String message = code == ErrorCode.ORCHESTRATOR_ERROR
                ? "Agent orchestrator is unreachable or returned an error"
                : "WebRTC room could not be created";
        return cleanup.thenCompose(ignored -> {
            if (run.setup.cancelled()) {
                return CompletableFuture.completedFuture(null);
            }
            CompletableFuture<Void> reply = outbox.reply(run.admitted.replyPartition(),
                    SessionReply.error(sessionId, code, message));
            CompletableFuture<Void> release = outbox.command(
                    new ReleaseSession(sessionId, run.admitted.agentId(), reason, Instant.now()));
            return CompletableFuture.allOf(reply, release);
        }).thenApply(ignored -> code.wire());
    }

    private static <T> CompletableFuture<T> tagged(CompletableFuture<T> step, ErrorCode code) {
        return step.exceptionallyCompose(error -> {
            Throwable cause = unwrap(error);
            if (cause instanceof SetupCancelled || cause instanceof SetupFailure) {
                return CompletableFuture.failedFuture(cause);
            }
            return CompletableFuture.failedFuture(new SetupFailure(code, cause));
        });
    }

    private void count(String outcome) {
        meters.counter("room.setups.skipped", "reason", outcome).increment();
    }

    private static Throwable unwrap(Throwable error) {
        Throwable cause = error;
        while (cause instanceof CompletionException && cause.getCause() != null) {
            cause = cause.getCause();
        }
        return cause;
    }

    /** The session ended while being set up. */
    private static final class SetupCancelled extends RuntimeException {
        SetupCancelled() {
            super("session ended during set-up", null, false, false);
        }
    }

    /** A set-up step failed; {@code code} says which answer the caller gets. */
    private static final class SetupFailure extends RuntimeException {
        final ErrorCode code;

        SetupFailure(ErrorCode code, Throwable cause) {
            super(code.wire(), cause, false, false);
            this.code = code;
        }
    }
}
