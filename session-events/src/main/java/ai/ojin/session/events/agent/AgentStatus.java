package ai.ojin.session.events.agent;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;

public enum AgentStatus {
    PUBLISHED("published"),
    UNPUBLISHED("unpublished");

    private final String wire;

    AgentStatus(String wire) {
        this.wire = wire;
    }

    @JsonValue
    public String wire() {
        return wire;
    }

    /** @return the status for its wire name, or {@code null} when there is none. */
    @JsonCreator
    public static AgentStatus fromWire(String wire) {
        for (AgentStatus status : values()) {
            if (status.wire.equals(wire)) {
                return status;
            }
        }
        return null;
    }
}
