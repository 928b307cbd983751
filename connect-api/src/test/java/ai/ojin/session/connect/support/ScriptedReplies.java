package ai.ojin.session.connect.support;

import ai.ojin.session.events.command.Heartbeat;
import ai.ojin.session.events.command.IdempotencyKeys;
import ai.ojin.session.events.command.LinePosition;
import ai.ojin.session.events.command.ReleaseSession;
import ai.ojin.session.events.command.RequestSession;
import ai.ojin.session.events.command.SessionCommand;
import ai.ojin.session.events.reply.ErrorCode;
import ai.ojin.session.events.reply.SessionReply;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;

/**
 * The scripted pipeline: the agent id decides the answer to a request. {@code busy-*} is at its
 * limit (retry after 7 s), {@code room-*} and {@code orch-*} fail, {@code mute-*} never answers,
 * any other agent gets a room {@code https://rooms.test/<session>} and token {@code tok-<session>}.
 * {@code reused-*} answers {@code idempotency_key_reused} and {@code ended-*} {@code session_ended}
 * (as the processor answers a repeated key). A release with a reply partition ends a session this
 * script admitted (success) or answers {@code session_not_found}. A line query with the key
 * {@link #WAITING_KEY} is answered waiting ({@link #POSITION} of {@link #LINE_LENGTH}), with
 * {@link #KNOWN_KEY} not waiting, with any other key {@code session_not_found} ({@code mute-*}: no answer). Heartbeats are
 * answered, as the processor does.
 */
public final class ScriptedReplies implements Function<SessionCommand, SessionReply> {

    public static final int RETRY_AFTER = 7;
    public static final String WAITING_KEY = "waiting-key";
    public static final String KNOWN_KEY = "known-key";
    public static final int POSITION = 3;
    public static final int LINE_LENGTH = 5;
    private final Set<String> live = ConcurrentHashMap.newKeySet();

    @Override
    public SessionReply apply(SessionCommand command) {
        if (command instanceof Heartbeat heartbeat) {
            return SessionReply.success(heartbeat.sessionId(), null, null);
        }
        if (command instanceof RequestSession request) {
            String agent = request.agentId();
            String sessionId = request.sessionId();
            if (agent.startsWith("busy-")) {
                return SessionReply.rejected(sessionId, RETRY_AFTER, "Max concurrency reached");
            }
            if (agent.startsWith("room-")) {
                return SessionReply.error(sessionId, ErrorCode.ROOM_CREATION_FAILED, "WebRTC room could not be created");
            }
            if (agent.startsWith("orch-")) {
                return SessionReply.error(sessionId, ErrorCode.ORCHESTRATOR_ERROR, "Agent orchestrator returned an error");
            }
            if (agent.startsWith("mute-")) {
                return null;
            }
            if (agent.startsWith("reused-")) {
                return SessionReply.error(sessionId, ErrorCode.IDEMPOTENCY_KEY_REUSED,
                        "This Idempotency-Key was already used with a different request body");
            }
            if (agent.startsWith("ended-")) {
                return SessionReply.error(agent + "_" + "e".repeat(26), ErrorCode.SESSION_ENDED,
                        "The session of this Idempotency-Key has ended; use a new key").correlatedTo(sessionId);
            }
            live.add(sessionId);
            // as the worker does: the reply names the instance that asked
            return SessionReply.success(sessionId, roomUrl(sessionId), token(sessionId), request.instanceId());
        }
        if (command instanceof LinePosition query) {
            if (query.agentId().startsWith("mute-")) {
                return null;
            }
            String waiting = query.agentId() + "_" + "w".repeat(26);
            if (query.idempotencyKey().equals(IdempotencyKeys.keyHash(WAITING_KEY))) {
                return new SessionReply(waiting, null, null, null, null, null, null, query.sessionId(), POSITION, LINE_LENGTH);
            }
            if (query.idempotencyKey().equals(IdempotencyKeys.keyHash(KNOWN_KEY))) {
                return SessionReply.success(waiting, null, null).correlatedTo(query.sessionId());
            }
            return SessionReply.error(query.sessionId(), ErrorCode.SESSION_NOT_FOUND, "Session not found");
        }
        if (command instanceof ReleaseSession release && release.replyPartition() != null) {
            return live.remove(release.sessionId())
                    ? SessionReply.success(release.sessionId(), null, null)
                    : SessionReply.error(release.sessionId(), ErrorCode.SESSION_NOT_FOUND, "Session not found");
        }
        return null;
    }

    public static String roomUrl(String sessionId) {
        return "https://rooms.test/" + sessionId;
    }

    public static String token(String sessionId) {
        return "tok-" + sessionId;
    }
}
