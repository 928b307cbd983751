package ai.ojin.session.connect.agent;

import ai.ojin.session.connect.origin.AllowedHostname;
import ai.ojin.session.connect.web.ApiException;
import ai.ojin.session.connect.web.RequestJson;
import ai.ojin.session.events.agent.Agent;
import ai.ojin.session.events.agent.AgentStatus;
import java.time.Instant;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import tools.jackson.databind.JsonNode;

/**
 * The body of {@code PUT /v1/admin/agents/{agent_id}}, validated: every field is required.
 * Hostnames are {@code *} or {@code host[:port]}, stored lower-cased without duplicates.
 */
public record AgentUpdate(AgentStatus status, List<String> allowedHostnames, int maxConcurrency, int maxSessionSeconds) {

    public static final int MAX_CONCURRENCY = 10_000;
    public static final int MIN_SESSION_SECONDS = 30;
    public static final int MAX_SESSION_SECONDS = 86_400;
    public static final int MAX_HOSTNAMES = 100;

    public static AgentUpdate parse(byte[] body) {
        JsonNode root = RequestJson.readObject(body);
        JsonNode status = root.get("status");
        if (status == null || !status.isString() || AgentStatus.fromWire(status.asString()) == null) {
            throw ApiException.invalidRequest("status must be 'published' or 'unpublished'");
        }
        JsonNode hostnames = root.get("allowed_hostnames");
        if (hostnames == null || !hostnames.isArray() || hostnames.size() > MAX_HOSTNAMES) {
            throw ApiException.invalidRequest("allowed_hostnames must be an array of at most " + MAX_HOSTNAMES + " hostnames");
        }
        Set<String> canonical = new LinkedHashSet<>();
        for (JsonNode entry : hostnames) {
            if (!entry.isString()) {
                throw ApiException.invalidRequest("allowed_hostnames entries must be strings");
            }
            canonical.add(AllowedHostname.parse(entry.asString())
                    .orElseThrow(() -> ApiException.invalidRequest("allowed_hostnames entry is not '*' or a hostname with an optional :port"))
                    .canonical());
        }
        int maxConcurrency = intIn(root, "max_concurrency", 1, MAX_CONCURRENCY);
        int maxSessionSeconds = intIn(root, "max_session_seconds", MIN_SESSION_SECONDS, MAX_SESSION_SECONDS);
        return new AgentUpdate(AgentStatus.fromWire(status.asString()), List.copyOf(canonical), maxConcurrency, maxSessionSeconds);
    }

    public Agent toAgent(String agentId, Instant now) {
        return new Agent(agentId, status, allowedHostnames, maxConcurrency, maxSessionSeconds, now);
    }

    private static int intIn(JsonNode root, String field, int min, int max) {
        JsonNode node = root.get(field);
        if (node == null || !node.isIntegralNumber() || !node.canConvertToInt()
                || node.asInt() < min || node.asInt() > max) {
            throw ApiException.invalidRequest(field + " must be an integer from " + min + " to " + max);
        }
        return node.asInt();
    }
}
