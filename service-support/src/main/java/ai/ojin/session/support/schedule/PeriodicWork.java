package ai.ojin.session.support.schedule;

import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.ScheduledFuture;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.SmartLifecycle;
import org.springframework.scheduling.TaskScheduler;

/**
 * Work run every {@code interval} (fixed delay) on the service's {@link TaskScheduler} while the
 * application runs: scheduled in its lifecycle phase, cancelled when it stops. An interval of zero
 * or less turns it off (said in the log). A failure of one run is logged and counted by nobody
 * else: the next run comes as planned.
 */
public final class PeriodicWork implements SmartLifecycle {

    private static final Logger log = LoggerFactory.getLogger(PeriodicWork.class);

    private final String name;
    private final TaskScheduler scheduler;
    private final Clock clock;
    private final Duration initialDelay;
    private final Duration interval;
    private final int phase;
    private final Runnable work;
    private ScheduledFuture<?> scheduled;

    /**
     * @param initialDelay from the start to the first run
     * @param phase        the lifecycle phase (scheduled after lower phases started, cancelled before they stop)
     */
    public PeriodicWork(String name, TaskScheduler scheduler, Clock clock, Duration initialDelay, Duration interval, int phase,
                        Runnable work) {
        this.name = name;
        this.scheduler = scheduler;
        this.clock = clock;
        this.initialDelay = initialDelay;
        this.interval = interval;
        this.phase = phase;
        this.work = work;
    }

    /** True when the interval turns the work off. */
    public boolean off() {
        return interval.isZero() || interval.isNegative();
    }

    private void runSafely() {
        try {
            work.run();
        } catch (RuntimeException e) {
            log.error("{} failed; next run in {}", name, interval, e);
        }
    }

    @Override
    public synchronized void start() {
        if (scheduled != null) {
            return;
        }
        if (off()) {
            log.info("{} is off (interval {})", name, interval);
            return;
        }
        scheduled = scheduler.scheduleWithFixedDelay(this::runSafely, clock.instant().plus(initialDelay), interval);
    }

    @Override
    public synchronized void stop() {
        if (scheduled != null) {
            scheduled.cancel(true);
            scheduled = null;
        }
    }

    @Override
    public synchronized boolean isRunning() {
        return scheduled != null;
    }

    @Override
    public int getPhase() {
        return phase;
    }
}
