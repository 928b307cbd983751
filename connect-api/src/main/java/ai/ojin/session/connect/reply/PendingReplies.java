package ai.ojin.session.connect.reply;

import ai.ojin.session.events.reply.SessionReply;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * Requests of this instance that wait for their reply, by the id they wait under (a session id;
 * for a repeated connect or a line query an id of its own, which the reply names as its
 * {@link SessionReply#correlationId()}: {@link SessionReply#waitingId()}), and the partitions of
 * {@code session-replies} this instance reads and may therefore name in a request. Every entry
 * leaves the map again: when its reply arrives, when it times out, when its command could not be
 * sent, when its caller stops waiting ({@link #abandon}), or when the partition it named is taken
 * from this instance ({@link #revoked}: the entry
 * fails with {@link ReplyPartitionMovedException}, because its reply would reach another
 * instance). Naming a partition and registering happen under one lock with the revocation, so a
 * request either names a partition this instance still reads or fails at the revocation.
 * <p>
 * The ids of the last requests answered by a rejection read before its commit are remembered
 * (bounded), so that the committed copy of that reply is recognised and a later admission of such
 * a session (its rejection was aborted and decided again) can be released.
 */
public class PendingReplies {

    private static final int ANSWERED_EARLY_CAPACITY = 10_000;

    private final ConcurrentMap<String, Waiting> pending = new ConcurrentHashMap<>();
    private final Map<String, Boolean> answeredEarly = Collections.synchronizedMap(
            new LinkedHashMap<>(256, 0.75f, false) {
                @Override
                protected boolean removeEldestEntry(Map.Entry<String, Boolean> eldest) {
                    return size() > ANSWERED_EARLY_CAPACITY;
                }
            });
    private final Set<Integer> owned = new TreeSet<>();
    private final List<Runnable> whenAssigned = new CopyOnWriteArrayList<>();
    private long turn;

    /** A registered request: the reply partition it must name and the future its reply completes. */
    public record Waiting(int partition, CompletableFuture<SessionReply> future) {
    }

    /**
     * Registers a request for {@code sessionId} on one of the partitions this instance reads (in turn).
     *
     * @throws IllegalStateException when a request for the same session is already waiting
     * @throws NoReplyPartitionException when this instance reads no reply partition at the moment
     */
    public synchronized Waiting register(String sessionId) {
        if (owned.isEmpty()) {
            throw new NoReplyPartitionException();
        }
        List<Integer> partitions = new ArrayList<>(owned);
        int partition = partitions.get((int) (turn++ % partitions.size()));
        Waiting waiting = new Waiting(partition, new CompletableFuture<>());
        if (pending.putIfAbsent(sessionId, waiting) != null) {
            throw new IllegalStateException("a request for session " + sessionId + " is already waiting");
        }
        return waiting;
    }

    /** This instance reads these partitions from now on (its replies there reach it). */
    public void assigned(Collection<Integer> partitions) {
        synchronized (this) {
            owned.addAll(partitions);
        }
        whenAssigned.forEach(Runnable::run);
    }

    /** Runs {@code action} after every assignment of reply partitions, on the reading thread: keep it short. */
    public void whenAssigned(Runnable action) {
        whenAssigned.add(action);
    }

    /**
     * This instance no longer reads these partitions: the requests that named one of them fail
     * with {@link ReplyPartitionMovedException} (their reply would go to another instance).
     *
     * @return how many waiting requests failed
     */
    public int revoked(Collection<Integer> partitions) {
        List<Waiting> moved = new ArrayList<>();
        synchronized (this) {
            owned.removeAll(partitions);
            for (var entry : pending.entrySet()) {
                Waiting waiting = entry.getValue();
                if (partitions.contains(waiting.partition()) && pending.remove(entry.getKey(), waiting)) {
                    moved.add(waiting);
                }
            }
        }
        // Outside the lock: completing runs the callers' stages (answer, release), which may block on a send.
        int failed = 0;
        for (Waiting waiting : moved) {
            if (waiting.future().completeExceptionally(new ReplyPartitionMovedException(waiting.partition()))) {
                failed++;
            }
        }
        return failed;
    }

    /** The partitions this instance reads now. */
    public synchronized Set<Integer> owned() {
        return Set.copyOf(owned);
    }

    /** A partition this instance reads now, or -1. */
    public synchronized int anyOwned() {
        return owned.isEmpty() ? -1 : owned.iterator().next();
    }

    /** @return true when a waiting request took the reply (matched by {@link SessionReply#waitingId()}) */
    public boolean complete(SessionReply reply) {
        String id = reply.waitingId();
        Waiting waiting = id == null ? null : pending.remove(id);
        return waiting != null && waiting.future().complete(reply);
    }

    /**
     * The request waiting under {@code id} stops waiting: its entry goes and its future fails with
     * {@link WaitAbandonedException}.
     *
     * @return true when a request was waiting under that id
     */
    public boolean abandon(String id) {
        Waiting waiting = id == null ? null : pending.remove(id);
        return waiting != null && waiting.future().completeExceptionally(new WaitAbandonedException());
    }

    /**
     * Completes the waiting request with a rejection read before its transaction committed.
     *
     * @return true when a waiting request took the reply
     */
    public boolean completeEarly(SessionReply rejection) {
        if (rejection.ok()) {
            throw new IllegalArgumentException("only rejections may be acted on before the commit");
        }
        boolean taken = complete(rejection);
        if (taken) {
            answeredEarly.put(rejection.waitingId(), Boolean.TRUE);
        }
        return taken;
    }

    /** Whether the request waiting under this id was answered by a rejection before its commit (recently). */
    public boolean answeredEarly(String waitId) {
        return waitId != null && answeredEarly.containsKey(waitId);
    }

    /** Removes the entry if it is still this future. */
    public void forget(String sessionId, CompletableFuture<SessionReply> future) {
        pending.computeIfPresent(sessionId, (id, waiting) -> waiting.future() == future ? null : waiting);
    }

    public int size() {
        return pending.size();
    }

    /** The reply partition a request named was taken from this instance while it waited. */
    public static class ReplyPartitionMovedException extends RuntimeException {
        public ReplyPartitionMovedException(int partition) {
            super("reply partition " + partition + " moved to another instance while the request waited");
        }
    }

    /** The caller stopped waiting (its client went away) before the reply came. */
    public static class WaitAbandonedException extends RuntimeException {
        public WaitAbandonedException() {
            super("the caller stopped waiting for the reply", null, false, false);
        }
    }

    /** This instance reads no reply partition (not yet assigned, or more instances than partitions). */
    public static class NoReplyPartitionException extends RuntimeException {
        public NoReplyPartitionException() {
            super("this instance reads no partition of session-replies at the moment");
        }
    }
}
