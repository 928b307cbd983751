package ai.ojin.session.connect.session;

import ai.ojin.session.support.Futures;
import ai.ojin.session.connect.agent.AgentCatalog;
import ai.ojin.session.connect.origin.OriginHeader;
import ai.ojin.session.connect.origin.OriginPolicy;
import ai.ojin.session.connect.reply.CommandReplies;
import ai.ojin.session.connect.reply.PendingReplies;
import ai.ojin.session.connect.reply.UnclaimedReplies;
import ai.ojin.session.connect.web.ApiException;
import ai.ojin.session.connect.web.ApiExceptionHandler;
import ai.ojin.session.events.SessionIds;
import ai.ojin.session.events.agent.Agent;
import ai.ojin.session.events.command.EndReason;
import ai.ojin.session.events.command.ReleaseSession;
import ai.ojin.session.events.command.RequestSession;
import ai.ojin.session.events.reply.ErrorCode;
import java.time.Clock;
import java.time.Instant;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.http.ResponseEntity;

/**
 * The connect flow: the local checks in the documented order (agent exists, origin allowed,
 * published), then a {@link RequestSession} and the wait for its reply. When the reply does not
 * come in time the caller gets 500 {@code internal_error} and the session is released as
 * {@code abandoned}, so whatever the pipeline made for it is torn down (and a late success reply
 * for it is not released a second time). The same happens when the reply partition the request
 * named moves to another instance while the caller waits (the reply would not reach this one). The request names this instance, so that only this
 * instance ever releases its reply when nobody waits for it ({@link UnclaimedReplies}).
 */
public class ConnectService {

    private static final Logger log = LoggerFactory.getLogger(ConnectService.class);

    private final AgentCatalog catalog;
    private final CommandReplies commands;
    private final UnclaimedReplies unclaimed;
    private final Clock clock;

    public ConnectService(AgentCatalog catalog, CommandReplies commands, UnclaimedReplies unclaimed, Clock clock) {
        this.catalog = catalog;
        this.commands = commands;
        this.unclaimed = unclaimed;
        this.clock = clock;
    }

    /**
     * @throws ApiException for the local checks; the future itself never fails
     */
    public CompletableFuture<ResponseEntity<byte[]>> connect(ConnectRequest request, OriginHeader origin) {
        if (!catalog.caughtUp()) {
            throw new ApiException(500, ErrorCode.INTERNAL_ERROR.wire(), "Service is starting");
        }
        Agent agent = SessionIds.isValidAgentId(request.agentId())
                ? catalog.find(request.agentId()).orElse(null)
                : null;
        if (agent == null) {
            throw ApiException.of(ErrorCode.AGENT_NOT_FOUND, ReplyResponses.defaultMessage(ErrorCode.AGENT_NOT_FOUND));
        }
        if (!OriginPolicy.allows(agent.allowedHostnames(), origin)) {
            throw ApiException.of(ErrorCode.AUTH_FAILED, ReplyResponses.defaultMessage(ErrorCode.AUTH_FAILED));
        }
        if (!agent.published()) {
            throw ApiException.of(ErrorCode.AGENT_UNPUBLISHED, ReplyResponses.defaultMessage(ErrorCode.AGENT_UNPUBLISHED));
        }
        String agentId = agent.agentId();
        String sessionId = SessionIds.newSessionId(agentId);
        Instant requestedAt = clock.instant();
        String originValue = origin.origin().map(o -> o.raw()).orElse(null);
        return commands.sendAndAwait(sessionId, agentId, (deadline, replyPartition) -> new RequestSession(sessionId, agentId,
                        request.clientUserRef(), originValue, replyPartition, requestedAt, deadline,
                        commands.instanceId()))
                .handle((reply, error) -> {
                    if (error == null) {
                        if (!reply.ok() && reply.errorCode() == ErrorCode.INTERNAL_ERROR) {
                            log.error("Connect for session {} answered internal_error by the pipeline: {}", sessionId,
                                    reply.message());
                        }
                        return reply.ok() ? ReplyResponses.connected(reply) : ReplyResponses.failed(reply);
                    }
                    Throwable cause = Futures.cause(error);
                    if (cause instanceof TimeoutException || cause instanceof PendingReplies.ReplyPartitionMovedException) {
                        log.warn("No reply for session {} ({}): answering internal_error and releasing it as abandoned", sessionId,
                                cause instanceof TimeoutException ? "not in time" : cause.getMessage());
                        unclaimed.released(sessionId);
                        commands.send(agentId, new ReleaseSession(sessionId, agentId, EndReason.ABANDONED, clock.instant()));
                    } else {
                        log.error("Connect for session {} failed", sessionId, cause);
                    }
                    return ApiExceptionHandler.internalError();
                });
    }
}
