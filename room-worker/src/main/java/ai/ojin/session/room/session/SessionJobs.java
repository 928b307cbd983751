package ai.ojin.session.room.session;

import ai.ojin.session.events.command.EndReason;
import ai.ojin.session.events.fact.SessionAdmitted;
import ai.ojin.session.events.fact.SessionEnded;
import ai.ojin.session.events.fact.SessionEvent;
import ai.ojin.session.events.fact.SessionFailed;
import ai.ojin.session.events.fact.SessionRepeated;
import ai.ojin.session.events.fact.SessionStarted;
import ai.ojin.session.room.jobs.Job;
import ai.ojin.session.room.jobs.JobSource;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.clients.consumer.ConsumerRecord;

/**
 * Turns facts into jobs: an {@code admitted} fact is a set-up, an {@code ended} or {@code failed}
 * fact a tear-down (the compensation of a failed set-up is the tear-down of its {@code failed}
 * fact). Per session, jobs run in fact order and never at the same time: a tear-down cancels the
 * session's set-up and waits until its call in flight has returned. Across sessions nothing waits:
 * set-ups start at once (at most {@code maxSetups} in flight), tear-downs run in lanes of their own
 * ({@link SessionTeardown}) so that a flood of endings never delays admissions. A {@code repeated}
 * fact (a connect repeated with the session's {@code Idempotency-Key}) is answered by
 * {@link SessionRepeats}; the line's facts ({@code queued}, {@code dequeued}) need no work here.
 */
public final class SessionJobs implements JobSource<SessionEvent> {

    private final SessionSetup setup;
    private final SessionTeardown teardown;
    private final SessionRegistry registry;
    private final SessionRepeats repeats;
    private final AtomicInteger teardownsInFlight = new AtomicInteger();
    private final DeadLetters deadLetters;
    private final int maxSetups;
    private final int maxTeardowns;
    private final Map<String, SessionSetup.SetupJob> setups = new ConcurrentHashMap<>();
    private final AtomicInteger setupsInFlight = new AtomicInteger();

    /**
     * @param maxSetups set-ups in flight at which reading pauses ({@code room.max-in-flight})
     * @param maxTeardowns tear-downs running or queued at which reading pauses
     */
    public SessionJobs(SessionSetup setup, SessionTeardown teardown, SessionRegistry registry, SessionRepeats repeats,
                       DeadLetters deadLetters, int maxSetups, int maxTeardowns) {
        this.setup = setup;
        this.repeats = repeats;
        this.teardown = teardown;
        this.registry = registry;
        this.deadLetters = deadLetters;
        this.maxSetups = maxSetups;
        this.maxTeardowns = maxTeardowns;
    }

    @Override
    public Job start(ConsumerRecord<String, SessionEvent> record) {
        SessionEvent event = record.value();
        if (event instanceof SessionAdmitted admitted) {
            return setUp(admitted);
        }
        if (event instanceof SessionRepeated repeated) {
            return repeats.answer(repeated);
        }
        if (event instanceof SessionStarted started) {
            registry.started(started.sessionId());
        } else if (event instanceof SessionEnded ended) {
            return tearDown(ended.sessionId(), ended.at(), ended.reason() == EndReason.ABANDONED);
        } else if (event instanceof SessionFailed failed) {
            return tearDown(failed.sessionId(), failed.at(), true);
        }
        return Job.finished();
    }

    @Override
    public Job unreadable(ConsumerRecord<String, SessionEvent> record, Exception cause) {
        return deadLetters.publish(record, cause);
    }

    @Override
    public boolean saturated() {
        return setupsInFlight.get() >= maxSetups || teardownsInFlight.get() >= maxTeardowns;
    }

    public int setupsInFlight() {
        return setupsInFlight.get();
    }

    public int teardownsInFlight() {
        return teardownsInFlight.get();
    }

    private Job setUp(SessionAdmitted admitted) {
        String sessionId = admitted.sessionId();
        SessionSetup.SetupJob running = setups.get(sessionId);
        if (running != null) {
            // the same admission again while its set-up runs: that set-up answers it
            return Job.of(running.done());
        }
        SessionSetup.SetupJob job = setup.start(admitted);
        if (job.done().isDone()) {
            return job;
        }
        setups.put(sessionId, job);
        setupsInFlight.incrementAndGet();
        job.done().whenComplete((ok, error) -> {
            setups.remove(sessionId, job);
            setupsInFlight.decrementAndGet();
        });
        return job;
    }

    /** @param startMayOutlive the set-up did not finish: a start it sent may still reach the orchestrator */
    private Job tearDown(String sessionId, Instant endedAt, boolean startMayOutlive) {
        registry.ended(sessionId);
        TeardownJob job = new TeardownJob();
        SessionSetup.SetupJob running = setups.get(sessionId);
        CompletableFuture<Void> before = CompletableFuture.completedFuture(null);
        if (running != null) {
            running.endedBeforeReady();
            before = running.settled();
        }
        teardownsInFlight.incrementAndGet();
        before.thenCompose(ignored -> teardown.tearDown(sessionId, endedAt, startMayOutlive, job::cancelled))
                .whenComplete((ok, error) -> {
                    teardownsInFlight.decrementAndGet();
                    job.done.complete(null);
                });
        return job;
    }

    /** A tear-down; cancelling it stops its retries (the new owner of the partition tears down again). */
    private static final class TeardownJob implements Job {

        final CompletableFuture<Void> done = new CompletableFuture<>();
        volatile boolean cancelled;

        boolean cancelled() {
            return cancelled;
        }

        @Override
        public CompletableFuture<Void> done() {
            return done;
        }

        @Override
        public void cancel() {
            cancelled = true;
        }
    }
}
