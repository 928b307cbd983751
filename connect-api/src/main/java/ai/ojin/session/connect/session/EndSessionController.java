package ai.ojin.session.connect.session;

import ai.ojin.session.support.Futures;
import ai.ojin.session.connect.reply.CommandReplies;
import ai.ojin.session.connect.web.ApiException;
import ai.ojin.session.connect.web.ApiExceptionHandler;
import ai.ojin.session.connect.web.ThreadWait;
import ai.ojin.session.events.SessionIds;
import ai.ojin.session.events.command.EndReason;
import ai.ojin.session.events.command.ReleaseSession;
import ai.ojin.session.events.reply.ErrorCode;
import java.time.Clock;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.DeleteMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.RestController;

/**
 * {@code DELETE /v1/sessions/{session_id}} (admin token): sends a release with reason
 * {@code end_call} and a reply partition, and answers from the processor's reply: 204 when it
 * ended a live session, 404 {@code session_not_found} otherwise (also for text that is no
 * session id). The reply is awaited on the request's thread for up to {@code connect.thread-wait}
 * ({@link ThreadWait}) and then answered there; a later one is answered after an async dispatch.
 */
@RestController
public class EndSessionController {

    private static final Logger log = LoggerFactory.getLogger(EndSessionController.class);

    private final CommandReplies commands;
    private final ThreadWait threadWait;
    private final Clock clock;

    public EndSessionController(CommandReplies commands, ThreadWait threadWait, Clock clock) {
        this.commands = commands;
        this.threadWait = threadWait;
        this.clock = clock;
    }

    /** @return the answer, or while it has not come within {@code connect.thread-wait}, its future */
    @DeleteMapping("/v1/sessions/{sessionId}")
    public Object end(@PathVariable String sessionId) {
        String agentId = SessionIds.agentOf(sessionId)
                .orElseThrow(() -> ApiException.of(ErrorCode.SESSION_NOT_FOUND, ReplyResponses.defaultMessage(ErrorCode.SESSION_NOT_FOUND)));
        CompletableFuture<ai.ojin.session.events.reply.SessionReply> reply;
        try {
            reply = commands.sendAndAwait(sessionId, agentId,
                    (deadline, replyPartition) -> new ReleaseSession(sessionId, agentId, EndReason.END_CALL, clock.instant(),
                            replyPartition));
        } catch (IllegalStateException e) {
            throw new ApiException(409, "conflict", "Another request for this session is in progress");
        }
        CompletableFuture<ResponseEntity<byte[]>> answer = reply.handle((r, error) -> {
            if (error == null) {
                if (r.ok()) {
                    log.info("Session {} ended by end-session call", sessionId);
                    return ResponseEntity.noContent().<byte[]>build();
                }
                return ReplyResponses.failed(r);
            }
            Throwable cause = Futures.cause(error);
            if (cause instanceof TimeoutException) {
                log.warn("No reply to the end-session call for {} in time", sessionId);
            } else {
                log.error("End-session call for {} failed", sessionId, cause);
            }
            return ApiExceptionHandler.internalError();
        });
        Optional<ResponseEntity<byte[]>> prompt = threadWait.await(answer);
        return prompt.isPresent() ? prompt.get() : answer;
    }
}
