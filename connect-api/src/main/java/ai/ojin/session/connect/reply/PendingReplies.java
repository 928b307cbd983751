package ai.ojin.session.connect.reply;

import ai.ojin.session.events.reply.SessionReply;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;

/**
 * Requests of this instance that wait for their reply, by session id. Every entry leaves the map
 * again: when its reply arrives, when it times out, or when its command could not be sent.
 */
public class PendingReplies {

    private final ConcurrentMap<String, CompletableFuture<SessionReply>> pending = new ConcurrentHashMap<>();

    /**
     * @throws IllegalStateException when a request for the same session is already waiting
     */
    public CompletableFuture<SessionReply> register(String sessionId) {
        CompletableFuture<SessionReply> future = new CompletableFuture<>();
        if (pending.putIfAbsent(sessionId, future) != null) {
            throw new IllegalStateException("a request for session " + sessionId + " is already waiting");
        }
        return future;
    }

    /** @return true when a waiting request took the reply */
    public boolean complete(SessionReply reply) {
        CompletableFuture<SessionReply> future = reply.sessionId() == null ? null : pending.remove(reply.sessionId());
        return future != null && future.complete(reply);
    }

    /** Removes the entry if it is still this future. */
    public void forget(String sessionId, CompletableFuture<SessionReply> future) {
        pending.remove(sessionId, future);
    }

    public int size() {
        return pending.size();
    }
}
