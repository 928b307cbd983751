package ai.ojin.session.room.jobs;

import java.util.Collection;
import java.util.List;
import java.util.TreeMap;

/**
 * The jobs of one assigned partition, by offset; used on the consumer thread only. Jobs finish in
 * any order; the committable offset is that of the oldest unfinished job, or the next offset to
 * read when none is unfinished, so nothing below an unfinished job is ever committed past it.
 */
final class PartitionProgress {

    private final TreeMap<Long, Job> unfinished = new TreeMap<>();
    private long next = -1;
    private long committed = -1;

    void started(long offset, Job job) {
        next = offset + 1;
        if (!job.done().isDone()) {
            unfinished.put(offset, job);
        }
    }

    void finished(long offset) {
        unfinished.remove(offset);
    }

    /** Forgets jobs that are done even if their completion was not reported yet. */
    void prune() {
        unfinished.values().removeIf(job -> job.done().isDone());
    }

    /** The offset to commit (the next record to process after a restart), or -1 when nothing was read. */
    long committable() {
        return unfinished.isEmpty() ? next : unfinished.firstKey();
    }

    /** True when {@link #committable()} moved past what was last committed. */
    boolean advanced() {
        return committable() > committed;
    }

    void committed(long offset) {
        committed = Math.max(committed, offset);
    }

    int unfinishedCount() {
        return unfinished.size();
    }

    Collection<Job> unfinishedJobs() {
        return List.copyOf(unfinished.values());
    }
}
