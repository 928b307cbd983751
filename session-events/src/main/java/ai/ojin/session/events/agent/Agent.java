package ai.ojin.session.events.agent;

import java.time.Instant;
import java.util.List;

/**
 * An agent's configuration: the value of the compacted {@code agents} topic (key = agent id,
 * tombstone = deleted).
 */
public record Agent(
        String agentId,
        AgentStatus status,
        List<String> allowedHostnames,
        int maxConcurrency,
        int maxSessionSeconds,
        Instant updatedAt) {

    public Agent {
        allowedHostnames = allowedHostnames == null ? List.of() : List.copyOf(allowedHostnames);
    }

    public boolean published() {
        return status == AgentStatus.PUBLISHED;
    }
}
