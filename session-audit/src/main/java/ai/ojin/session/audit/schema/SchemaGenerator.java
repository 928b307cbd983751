package ai.ojin.session.audit.schema;

import ai.ojin.session.events.fact.SessionEvent;
import ai.ojin.session.events.history.CallRecord;
import ai.ojin.session.events.json.Json;
import com.fasterxml.jackson.annotation.JsonSubTypes;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.RecordComponent;
import java.lang.reflect.Type;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * JSON Schemas (draft 2020-12) of the records consumers read, generated from the Java records: every
 * fact type of {@code session-events} (found through {@link SessionEvent}'s {@code @JsonSubTypes}),
 * a schema of any fact, and the {@code call-history} record. Names follow {@link Json#MAPPER}
 * (snake_case); every property is always written (nulls included), so all are required; reference
 * types may be null except the ones listed as never null.
 */
public final class SchemaGenerator {

    static final String DRAFT = "https://json-schema.org/draft/2020-12/schema";
    private static final Set<String> FACT_NEVER_NULL = Set.of("session_id", "agent_id", "at");
    private static final Set<String> CALL_NEVER_NULL = Set.of("session_id", "agent_id", "outcome", "requested_at");

    private SchemaGenerator() {
    }

    /** Path under {@code docs/schemas/} -> file content. */
    public static Map<String, String> generate() {
        Map<String, String> files = new LinkedHashMap<>();
        ObjectNode any = object("session-events/session-event.schema.json", "session-events fact",
                "Any fact on the session-events topic (key = agent id), told apart by \"type\".");
        any.remove("type");
        ArrayNode oneOf = any.putArray("oneOf");
        for (Map.Entry<String, Class<?>> fact : factTypes().entrySet()) {
            String file = fact.getKey() + ".schema.json";
            files.put("session-events/" + file, write(factSchema(fact.getKey(), fact.getValue())));
            oneOf.addObject().put("$ref", file);
        }
        files.put("session-events/session-event.schema.json", write(any));
        ObjectNode call = object("call-history/call-record.schema.json", "call-history record",
                "One finished call on the call-history topic (key = client_user_ref, null when the caller gave none). "
                        + "Consumers keep the last record per session_id.");
        properties(call, CallRecord.class, CALL_NEVER_NULL, new LinkedHashMap<>());
        files.put("call-history/call-record.schema.json", write(call));
        return files;
    }

    /** Fact type name -> record class, in the order {@link SessionEvent} declares them. */
    static Map<String, Class<?>> factTypes() {
        Map<String, Class<?>> types = new LinkedHashMap<>();
        for (JsonSubTypes.Type type : SessionEvent.class.getAnnotation(JsonSubTypes.class).value()) {
            types.put(type.name(), type.value());
        }
        return types;
    }

    /** Every property any fact has, common ones first: the CSV columns of exported facts. */
    public static List<String> factColumns() {
        Set<String> columns = new LinkedHashSet<>(List.of("type", "event_id", "schema_version", "session_id", "agent_id",
                "at"));
        for (Class<?> type : factTypes().values()) {
            for (RecordComponent c : type.getRecordComponents()) {
                columns.add(name(c.getName()));
            }
        }
        return List.copyOf(columns);
    }

    /** The properties of a call record: the CSV columns of exported calls. */
    public static List<String> callColumns() {
        List<String> columns = new ArrayList<>();
        for (RecordComponent c : CallRecord.class.getRecordComponents()) {
            columns.add(name(c.getName()));
        }
        return columns;
    }

    private static ObjectNode factSchema(String typeName, Class<?> type) {
        ObjectNode schema = object("session-events/" + typeName + ".schema.json", "session-events fact: " + typeName,
                "The \"" + typeName + "\" fact on the session-events topic (key = agent id), written by the session "
                        + "processor only; never carries a secret.");
        Map<String, ObjectNode> fixed = new LinkedHashMap<>();
        fixed.put("type", Json.MAPPER.createObjectNode().put("const", typeName));
        String eventId = switch (typeName) {
            case "joined", "left" -> "<session_id>/" + typeName + "/<participant_id>";
            case "repeated" -> "<session_id>/repeated/<correlation_id>";
            default -> "<session_id>/<type>";
        };
        fixed.put("event_id", Json.MAPPER.createObjectNode().put("type", "string")
                .put("description", eventId + ": unique, and the same when the log is replayed"));
        fixed.put("schema_version", Json.MAPPER.createObjectNode().put("const", SessionEvent.SCHEMA_VERSION));
        properties(schema, type, FACT_NEVER_NULL, fixed);
        return schema;
    }

    private static ObjectNode object(String id, String title, String description) {
        ObjectNode schema = Json.MAPPER.createObjectNode();
        schema.put("$schema", DRAFT);
        schema.put("$id", id);
        schema.put("title", title);
        schema.put("description", description);
        schema.put("type", "object");
        return schema;
    }

    private static void properties(ObjectNode schema, Class<?> type, Set<String> neverNull, Map<String, ObjectNode> fixed) {
        ObjectNode properties = schema.putObject("properties");
        ArrayNode required = Json.MAPPER.createArrayNode();
        fixed.forEach((name, property) -> {
            properties.set(name, property);
            required.add(name);
        });
        for (RecordComponent c : type.getRecordComponents()) {
            String name = name(c.getName());
            properties.set(name, property(c.getGenericType(), c.getType().isPrimitive() || neverNull.contains(name)));
            required.add(name);
        }
        schema.set("required", required);
        schema.put("additionalProperties", true);
    }

    private static ObjectNode property(Type type, boolean neverNull) {
        ObjectNode property = Json.MAPPER.createObjectNode();
        Class<?> raw = type instanceof ParameterizedType p ? (Class<?>) p.getRawType() : (Class<?>) type;
        if (raw.isEnum()) {
            ArrayNode values = property.putArray("enum");
            for (Object constant : raw.getEnumConstants()) {
                values.add(Json.MAPPER.valueToTree(constant).asString());
            }
            if (!neverNull) {
                values.addNull();
            }
            return property;
        }
        String json;
        if (raw == String.class) {
            json = "string";
        } else if (raw == Instant.class) {
            json = "string";
            property.put("format", "date-time");
        } else if (raw == int.class || raw == Integer.class || raw == long.class || raw == Long.class) {
            json = "integer";
        } else if (raw == boolean.class || raw == Boolean.class) {
            json = "boolean";
        } else if (List.class.isAssignableFrom(raw)) {
            json = "array";
            Type item = ((ParameterizedType) type).getActualTypeArguments()[0];
            property.set("items", property(item, true));
        } else {
            throw new IllegalArgumentException("no JSON Schema mapping for " + type + ": extend SchemaGenerator");
        }
        if (neverNull) {
            property.put("type", json);
        } else {
            property.putArray("type").add(json).add("null");
        }
        // keep "type" first, as people read it
        ObjectNode ordered = Json.MAPPER.createObjectNode();
        ordered.set("type", property.remove("type"));
        ordered.setAll(property);
        return ordered;
    }

    /** The JSON name of a record component, as {@link Json#MAPPER} writes it (snake_case; checked by a test). */
    static String name(String component) {
        StringBuilder sb = new StringBuilder();
        for (char ch : component.toCharArray()) {
            if (Character.isUpperCase(ch)) {
                sb.append('_').append(Character.toLowerCase(ch));
            } else {
                sb.append(ch);
            }
        }
        return sb.toString();
    }

    private static String write(ObjectNode schema) {
        return Json.MAPPER.writerWithDefaultPrettyPrinter().writeValueAsString(schema) + "\n";
    }
}
