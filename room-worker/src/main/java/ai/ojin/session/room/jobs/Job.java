package ai.ojin.session.room.jobs;

import java.util.concurrent.CompletableFuture;

/**
 * The work started for one record. {@link #done()} completes (normally, never exceptionally) when
 * the work is finished and the record's offset may be committed. {@link #cancel()} asks the work
 * to stop at its next step because another instance takes it over (the record was not committed,
 * so it is processed again there); a cancelled job's offset is never committed here.
 */
public interface Job {

    CompletableFuture<Void> done();

    void cancel();

    /** A job that is already finished (a record with nothing to do). */
    static Job finished() {
        return Finished.INSTANCE;
    }

    /** A job whose work is {@code done}; cancelling it changes nothing. */
    static Job of(CompletableFuture<Void> done) {
        return new Job() {
            @Override
            public CompletableFuture<Void> done() {
                return done;
            }

            @Override
            public void cancel() {
            }
        };
    }

    enum Finished implements Job {
        INSTANCE;

        private static final CompletableFuture<Void> DONE = CompletableFuture.completedFuture(null);

        @Override
        public CompletableFuture<Void> done() {
            return DONE;
        }

        @Override
        public void cancel() {
        }
    }
}
