package ai.ojin.session.audit.schema;

import static org.assertj.core.api.Assertions.assertThat;

import ai.ojin.session.events.fact.SessionEvent;
import ai.ojin.session.events.history.CallRecord;
import ai.ojin.session.events.json.Json;
import java.lang.reflect.RecordComponent;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

class SchemaFilesTest {

    /** docs/schemas of the repository (tests run in the module's directory). */
    private static final Path CHECKED_IN = Path.of("..", "docs", "schemas");
    private static final String REGENERATE = "a record changed: regenerate the schemas (docs/audit.md, \"Consuming the topics\")";

    @Test
    void shouldMatchTheCheckedInSchemas() throws Exception {
        // given
        Map<String, String> generated = SchemaGenerator.generate();

        // when
        Set<String> files = new TreeSet<>();
        try (Stream<Path> walk = Files.walk(CHECKED_IN)) {
            walk.filter(Files::isRegularFile).forEach(p -> files.add(CHECKED_IN.relativize(p).toString().replace('\\', '/')));
        }

        // then
        assertThat(files).as(REGENERATE).isEqualTo(new TreeSet<>(generated.keySet()));
        for (Map.Entry<String, String> file : generated.entrySet()) {
            assertThat(Files.readString(CHECKED_IN.resolve(file.getKey()))).as(REGENERATE + ": " + file.getKey())
                    .isEqualTo(file.getValue());
        }
    }

    @Test
    void shouldDescribeExactlyThePropertiesTheMapperWrites() throws Exception {
        // given: one instance of every fact type and of the call record, every field set
        Map<String, Class<?>> types = new java.util.LinkedHashMap<>();
        SchemaGenerator.factTypes().forEach((name, type) -> types.put("session-events/" + name + ".schema.json", type));
        types.put("call-history/call-record.schema.json", CallRecord.class);

        for (Map.Entry<String, Class<?>> entry : types.entrySet()) {
            // when
            JsonNode written = Json.MAPPER.valueToTree(sample(entry.getValue()));
            JsonNode schema = Json.MAPPER.readTree(SchemaGenerator.generate().get(entry.getKey()));

            // then: same names, and each value has a type the schema allows
            assertThat(new TreeSet<>(written.propertyNames())).as(entry.getKey())
                    .isEqualTo(new TreeSet<>(schema.get("properties").propertyNames()));
            for (String name : written.propertyNames()) {
                JsonNode property = schema.get("properties").get(name);
                JsonNode value = written.get(name);
                if (property.has("const")) {
                    assertThat(value).as(name).isEqualTo(property.get("const"));
                } else if (property.has("enum")) {
                    assertThat(property.get("enum").values()).as(name).contains(value);
                } else {
                    List<String> allowed = new ArrayList<>();
                    property.get("type").forEach(t -> allowed.add(t.asString()));
                    if (allowed.isEmpty()) {
                        allowed.add(property.get("type").asString());
                    }
                    assertThat(allowed).as(entry.getKey() + " " + name).contains(jsonType(value));
                }
            }
        }
        assertThat(SessionEvent.class.isSealed()).isTrue();
    }

    private static String jsonType(JsonNode value) {
        if (value.isString()) {
            return "string";
        }
        if (value.isIntegralNumber()) {
            return "integer";
        }
        return value.isBoolean() ? "boolean" : value.isArray() ? "array" : "other";
    }

    private static Object sample(Class<?> type) throws Exception {
        RecordComponent[] components = type.getRecordComponents();
        Class<?>[] types = new Class<?>[components.length];
        Object[] values = new Object[components.length];
        for (int i = 0; i < components.length; i++) {
            types[i] = components[i].getType();
            values[i] = value(types[i]);
        }
        return type.getDeclaredConstructor(types).newInstance(values);
    }

    private static Object value(Class<?> type) {
        if (type == String.class) {
            return "x";
        }
        if (type == int.class || type == Integer.class) {
            return 1;
        }
        if (type == long.class || type == Long.class) {
            return 1L;
        }
        if (type == boolean.class || type == Boolean.class) {
            return true;
        }
        if (type == Instant.class) {
            return Instant.parse("2026-11-28T12:00:00Z");
        }
        if (type.isEnum()) {
            return type.getEnumConstants()[0];
        }
        if (type == List.class) {
            return List.of("x");
        }
        throw new IllegalArgumentException("no sample for " + type);
    }
}
