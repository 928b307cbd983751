package ai.ojin.session.connect.session;

import ai.ojin.session.support.Futures;
import ai.ojin.session.connect.origin.OriginHeader;
import ai.ojin.session.connect.origin.PublicCorsFilter;
import ai.ojin.session.connect.reply.CommandReplies;
import ai.ojin.session.connect.web.ApiException;
import ai.ojin.session.connect.web.ApiExceptionHandler;
import ai.ojin.session.connect.web.JsonResponses;
import ai.ojin.session.events.SessionIds;
import ai.ojin.session.events.agent.Agent;
import ai.ojin.session.events.command.IdempotencyKeys;
import ai.ojin.session.events.command.LinePosition;
import ai.ojin.session.events.reply.SessionReply;
import jakarta.servlet.http.HttpServletRequest;
import java.time.Clock;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.http.CacheControl;
import org.springframework.http.HttpHeaders;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;

/**
 * {@code GET /v1/public/agents/line?agent_id=A} with {@code Idempotency-Key: K}: where the connect
 * with that key stands in the agent's line. Public like the connect call, with the same checks
 * (agent exists, origin allowed, published). Sends a {@link LinePosition} under an id of its own and
 * answers from the processor's reply: 200 {@code {"status":"waiting","position":P,"line_length":L}}
 * (1 = next), 200 {@code {"status":"not_waiting"}} (the session is known but not in the line), or
 * 404 {@code session_not_found} (no session has that key). Missing or invalid {@code agent_id} or
 * key: 400 {@code invalid_request}. Every answer carries {@code Cache-Control: no-store}.
 */
@RestController
public class LineController {

    private static final Logger log = LoggerFactory.getLogger(LineController.class);

    private final ConnectService service;
    private final CommandReplies commands;
    private final Clock clock;

    public LineController(ConnectService service, CommandReplies commands, Clock clock) {
        this.service = service;
        this.commands = commands;
        this.clock = clock;
    }

    @GetMapping(PublicCorsFilter.LINE_PATH)
    public CompletableFuture<ResponseEntity<byte[]>> line(HttpServletRequest request) {
        CompletableFuture<ResponseEntity<byte[]>> response;
        try {
            response = position(request);
        } catch (ApiException e) {
            response = CompletableFuture.completedFuture(JsonResponses.error(e));
        }
        return response.thenApply(LineController::noStore);
    }

    private CompletableFuture<ResponseEntity<byte[]>> position(HttpServletRequest request) {
        String[] agentIds = request.getParameterValues("agent_id");
        if (agentIds == null || agentIds.length == 0 || agentIds[0].isEmpty()) {
            throw ApiException.invalidRequest("agent_id is required");
        }
        if (agentIds.length > 1) {
            throw ApiException.invalidRequest("agent_id must be given once");
        }
        String key = ConnectController.idempotencyKey(request);
        if (key == null) {
            throw ApiException.invalidRequest("Idempotency-Key is required");
        }
        Agent agent = service.checkedAgent(agentIds[0], OriginHeader.of(request));
        String agentId = agent.agentId();
        String queryId = SessionIds.newSessionId(agentId);
        String keyHash = IdempotencyKeys.keyHash(key);
        return commands.sendAndAwait(queryId, agentId, commands.timeout(),
                        (deadline, replyPartition) -> new LinePosition(queryId, agentId, clock.instant(), keyHash, replyPartition))
                .handle((reply, error) -> {
                    if (error == null) {
                        return reply.ok() ? answer(reply) : ReplyResponses.failed(reply);
                    }
                    Throwable cause = Futures.cause(error);
                    if (cause instanceof TimeoutException) {
                        log.warn("No reply to the line query {} in time", queryId);
                    } else {
                        log.error("Line query {} failed", queryId, cause);
                    }
                    return ApiExceptionHandler.internalError();
                });
    }

    private static ResponseEntity<byte[]> answer(SessionReply reply) {
        Map<String, Object> body = new LinkedHashMap<>();
        if (reply.position() != null) {
            body.put("status", "waiting");
            body.put("position", reply.position());
            body.put("line_length", reply.lineLength());
        } else {
            body.put("status", "not_waiting");
        }
        return JsonResponses.json(200, body);
    }

    private static ResponseEntity<byte[]> noStore(ResponseEntity<byte[]> response) {
        HttpHeaders headers = new HttpHeaders();
        headers.addAll(response.getHeaders());
        headers.setCacheControl(CacheControl.noStore());
        return new ResponseEntity<>(response.getBody(), headers, response.getStatusCode());
    }
}
