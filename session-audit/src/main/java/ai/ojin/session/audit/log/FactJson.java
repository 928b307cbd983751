package ai.ojin.session.audit.log;

import ai.ojin.session.events.fact.SessionEvent;
import ai.ojin.session.events.json.Json;
import java.util.Iterator;
import java.util.Map;
import java.util.Set;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/** Facts as the tool prints them: JSON lines with their place in the log, or a one-line summary. */
public final class FactJson {

    /** Fields every fact has, left out of {@link #details}. */
    private static final Set<String> COMMON = Set.of("type", "event_id", "schema_version", "session_id", "agent_id", "at");

    private FactJson() {
    }

    /** {@code {"partition":..,"offset":..,"timestamp":..,"fact":{...}}}; an unreadable record has "error" instead of "fact". */
    public static String line(Logged<? extends SessionEvent> logged) {
        ObjectNode node = Json.MAPPER.createObjectNode();
        node.put("partition", logged.partition());
        node.put("offset", logged.offset());
        node.put("timestamp", logged.timestamp().toString());
        if (logged.readable()) {
            node.set("fact", Json.MAPPER.valueToTree(logged.value()));
        } else {
            node.put("key", logged.key());
            node.put("error", logged.error());
        }
        return Json.MAPPER.writeValueAsString(node);
    }

    /** The fact's own fields, {@code name=value} separated by spaces, nulls left out. */
    public static String details(SessionEvent fact) {
        JsonNode tree = Json.MAPPER.valueToTree(fact);
        StringBuilder sb = new StringBuilder();
        Iterator<Map.Entry<String, JsonNode>> fields = tree.properties().iterator();
        while (fields.hasNext()) {
            Map.Entry<String, JsonNode> field = fields.next();
            if (COMMON.contains(field.getKey()) || field.getValue().isNull()) {
                continue;
            }
            if (!sb.isEmpty()) {
                sb.append(' ');
            }
            sb.append(field.getKey()).append('=').append(field.getValue().isString()
                    ? field.getValue().asString() : field.getValue().toString());
        }
        return sb.toString();
    }
}
