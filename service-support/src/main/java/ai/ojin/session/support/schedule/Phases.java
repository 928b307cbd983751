package ai.ojin.session.support.schedule;

import org.springframework.context.SmartLifecycle;

/**
 * The services' lifecycle phases, in one place: lower phases start first and stop last. Spring's
 * web server starts in a phase of its own (just below {@link SmartLifecycle#DEFAULT_PHASE}), after
 * all of these but the last.
 */
public final class Phases {

    /** Readers the web layer needs before it takes requests: the agent catalog, the reply readers. */
    public static final int READERS = 0;
    /** Work that needs the readers: the processor heartbeats (their answers come through the reply reader). */
    public static final int AFTER_READERS = 1;
    /** State the consumers' work depends on: the room assignments' view, the room pool. */
    public static final int STATE = Integer.MAX_VALUE - 2000;
    /** The consumers of facts and commands: the room worker's job consumer, the processor's streams. */
    public static final int CONSUMERS = Integer.MAX_VALUE - 1000;
    /** Periodic work on running consumers and state: reconciliation, gauges. */
    public static final int PERIODIC = SmartLifecycle.DEFAULT_PHASE;

    private Phases() {
    }
}
