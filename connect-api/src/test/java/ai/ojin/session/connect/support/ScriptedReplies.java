package ai.ojin.session.connect.support;

import ai.ojin.session.events.command.Heartbeat;
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
 * A release with a reply partition ends a session this script admitted (success) or answers
 * {@code session_not_found}. Heartbeats are answered, as the processor does.
 */
public final class ScriptedReplies implements Function<SessionCommand, SessionReply> {

    public static final int RETRY_AFTER = 7;
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
            live.add(sessionId);
            // as the worker does: the reply names the instance that asked
            return SessionReply.success(sessionId, roomUrl(sessionId), token(sessionId), request.instanceId());
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
