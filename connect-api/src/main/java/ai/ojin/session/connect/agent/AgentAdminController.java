package ai.ojin.session.connect.agent;

import ai.ojin.session.connect.web.ApiException;
import ai.ojin.session.connect.web.JsonResponses;
import ai.ojin.session.events.SessionIds;
import ai.ojin.session.events.agent.Agent;
import ai.ojin.session.events.reply.ErrorCode;
import java.time.Clock;
import java.util.concurrent.CompletableFuture;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.DeleteMapping;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PutMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RestController;

/**
 * {@code PUT/GET/DELETE /v1/admin/agents/{agent_id}} (admin token). Writes go to the
 * {@code agents} topic and are answered once this instance's catalog has applied them.
 */
@RestController
@RequestMapping("/v1/admin/agents/{agentId}")
public class AgentAdminController {

    private static final Logger log = LoggerFactory.getLogger(AgentAdminController.class);

    private final AgentCatalog catalog;
    private final Clock clock;

    public AgentAdminController(AgentCatalog catalog, Clock clock) {
        this.catalog = catalog;
        this.clock = clock;
    }

    @PutMapping(consumes = MediaType.APPLICATION_JSON_VALUE)
    public CompletableFuture<ResponseEntity<byte[]>> put(@PathVariable String agentId, @RequestBody(required = false) byte[] body) {
        if (!SessionIds.isValidAgentId(agentId)) {
            throw ApiException.invalidRequest("agent_id must be 1 to 64 letters, digits, '-' or '_'");
        }
        Agent agent = AgentUpdate.parse(body).toAgent(agentId, clock.instant());
        return catalog.put(agent).handle((ok, error) -> {
            if (error != null) {
                log.error("Could not store agent {}", agentId, error);
                return JsonResponses.error(500, ErrorCode.INTERNAL_ERROR.wire(), "Could not store the agent");
            }
            log.info("Stored agent {} ({}, {} hostnames, max_concurrency {})", agentId, agent.status().wire(),
                    agent.allowedHostnames().size(), agent.maxConcurrency());
            return JsonResponses.json(200, agent);
        });
    }

    @GetMapping
    public ResponseEntity<byte[]> get(@PathVariable String agentId) {
        return JsonResponses.json(200, find(agentId));
    }

    @DeleteMapping
    public CompletableFuture<ResponseEntity<byte[]>> delete(@PathVariable String agentId) {
        find(agentId);
        return catalog.delete(agentId).handle((ok, error) -> {
            if (error != null) {
                log.error("Could not delete agent {}", agentId, error);
                return JsonResponses.error(500, ErrorCode.INTERNAL_ERROR.wire(), "Could not delete the agent");
            }
            log.info("Deleted agent {}", agentId);
            return ResponseEntity.noContent().<byte[]>build();
        });
    }

    private Agent find(String agentId) {
        return catalog.find(agentId).orElseThrow(() -> ApiException.of(ErrorCode.AGENT_NOT_FOUND, "Agent not found"));
    }
}
