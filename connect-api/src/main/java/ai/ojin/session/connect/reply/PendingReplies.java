package ai.ojin.session.connect.reply;

import ai.ojin.session.events.reply.SessionReply;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;

/**
 * Requests of this instance that wait for their reply, by session id. Every entry leaves the map
 * again: when its reply arrives, when it times out, or when its command could not be sent. The ids
 * of the last requests answered by a rejection read before its commit are remembered (bounded), so
 * that the committed copy of that reply is recognised and a later admission of such a session
 * (its rejection was aborted and decided again) can be released.
 */
public class PendingReplies {

    private static final int ANSWERED_EARLY_CAPACITY = 10_000;

    private final ConcurrentMap<String, CompletableFuture<SessionReply>> pending = new ConcurrentHashMap<>();
    private final Map<String, Boolean> answeredEarly = Collections.synchronizedMap(
            new LinkedHashMap<>(256, 0.75f, false) {
                @Override
                protected boolean removeEldestEntry(Map.Entry<String, Boolean> eldest) {
                    return size() > ANSWERED_EARLY_CAPACITY;
                }
            });

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
            answeredEarly.put(rejection.sessionId(), Boolean.TRUE);
        }
        return taken;
    }

    /** Whether this session's request was answered by a rejection before its commit (recently). */
    public boolean answeredEarly(String sessionId) {
        return sessionId != null && answeredEarly.containsKey(sessionId);
    }

    /** Removes the entry if it is still this future. */
    public void forget(String sessionId, CompletableFuture<SessionReply> future) {
        pending.remove(sessionId, future);
    }

    public int size() {
        return pending.size();
    }
}
