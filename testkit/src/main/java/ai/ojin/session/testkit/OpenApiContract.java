package ai.ojin.session.testkit;

import ai.ojin.session.events.json.Json;
import com.networknt.schema.Schema;
import com.networknt.schema.SchemaRegistry;
import com.networknt.schema.SpecificationVersion;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.http.HttpHeaders;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;
import tools.jackson.databind.node.StringNode;

/**
 * The checked-in API document ({@code docs/openapi.yaml}) as a test oracle: which statuses an
 * operation documents, and whether a real HTTP response matches what the document says for its
 * status (body against the JSON Schema, draft 2020-12 as OpenAPI 3.1 uses; documented headers).
 */
public final class OpenApiContract {

    public static final String DOCUMENT = "docs/openapi.yaml";
    private static final SchemaRegistry SCHEMAS = SchemaRegistry.withDefaultDialect(SpecificationVersion.DRAFT_2020_12);

    private final String text;
    private final JsonNode document;

    private OpenApiContract(String text) {
        this.text = text;
        Object yaml = new Yaml(new SafeConstructor(new LoaderOptions())).load(text);
        this.document = Json.MAPPER.valueToTree(yaml);
    }

    /** Reads the checked-in document, found from the working directory upwards (a module or the root). */
    public static OpenApiContract checkedIn() {
        try {
            return new OpenApiContract(Files.readString(checkedInPath(), StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static Path checkedInPath() {
        for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
            Path candidate = dir.resolve(DOCUMENT);
            if (Files.isRegularFile(candidate)) {
                return candidate;
            }
        }
        throw new IllegalStateException(DOCUMENT + " not found above " + Path.of("").toAbsolutePath());
    }

    /** The document exactly as checked in. */
    public String text() {
        return text;
    }

    public JsonNode document() {
        return document;
    }

    /** The statuses the document lists for an operation, e.g. {@code ("/v1/public/agents/connect", "post")}. */
    public Set<Integer> statuses(String path, String method) {
        Set<Integer> statuses = new TreeSet<>();
        operation(path, method).path("responses").propertyNames().forEach(code -> statuses.add(Integer.parseInt(code)));
        return statuses;
    }

    /**
     * What in the response disagrees with the document's response of the operation for the
     * response's status: an undocumented status, a body that breaks the schema (or a body where
     * none is documented), a missing required header or a header value that breaks its schema.
     * Empty when the response conforms.
     */
    public List<String> violations(String path, String method, HttpResponse<String> response) {
        return violations(path, method, response.statusCode(), response.headers(), response.body());
    }

    public List<String> violations(String path, String method, int status, HttpHeaders headers, String body) {
        List<String> violations = new ArrayList<>();
        JsonNode documented = operation(path, method).path("responses").path(Integer.toString(status));
        if (documented.isMissingNode()) {
            violations.add("status " + status + " is not documented for " + method + " " + path);
            return violations;
        }
        JsonNode spec = resolve(documented);
        JsonNode content = spec.path("content");
        if (content.isMissingNode() || content.isEmpty()) {
            if (body != null && !body.isEmpty()) {
                violations.add("a body where the document has none: " + body);
            }
        } else {
            String contentType = headers.firstValue("Content-Type").orElse("").split(";")[0].trim().toLowerCase(Locale.ROOT);
            JsonNode media = content.path(contentType);
            if (media.isMissingNode()) {
                violations.add("Content-Type '" + contentType + "' is not documented (" + content.propertyNames() + ")");
            } else if ("application/json".equals(contentType)) {
                JsonNode json;
                try {
                    json = Json.MAPPER.readTree(body);
                } catch (RuntimeException e) {
                    violations.add("body is not JSON: " + body);
                    return violations;
                }
                schemaOf(media.path("schema")).validate(json)
                        .forEach(error -> violations.add("body " + body + ": " + error));
            }
        }
        for (Map.Entry<String, JsonNode> entry : spec.path("headers").properties()) {
            JsonNode header = resolve(entry.getValue());
            List<String> values = headers.allValues(entry.getKey());
            if (values.isEmpty()) {
                if (header.path("required").asBoolean(false)) {
                    violations.add("required header " + entry.getKey() + " is missing");
                }
                continue;
            }
            StringNode value = StringNode.valueOf(String.join(", ", values));
            schemaOf(header.path("schema")).validate(value)
                    .forEach(error -> violations.add("header " + entry.getKey() + " '" + value.asString() + "': " + error));
        }
        return violations;
    }

    private JsonNode operation(String path, String method) {
        JsonNode operation = document.path("paths").path(path).path(method.toLowerCase(Locale.ROOT));
        if (operation.isMissingNode()) {
            throw new IllegalArgumentException(method + " " + path + " is not in " + DOCUMENT);
        }
        return operation;
    }

    /** Follows an OpenAPI {@code $ref} ("#/components/...") to the object it names. */
    private JsonNode resolve(JsonNode node) {
        JsonNode current = node;
        while (current.has("$ref")) {
            String ref = current.get("$ref").asString();
            if (!ref.startsWith("#/")) {
                throw new IllegalStateException("only local references are supported: " + ref);
            }
            current = document.at(ref.substring(1));
            if (current.isMissingNode()) {
                throw new IllegalStateException("dangling reference " + ref);
            }
        }
        return current;
    }

    /** A schema of the document, its {@code #/components/schemas/...} references resolvable (as {@code $defs}). */
    private Schema schemaOf(JsonNode schema) {
        if (schema.isMissingNode()) {
            throw new IllegalStateException("a response content without a schema");
        }
        ObjectNode root = Json.MAPPER.createObjectNode();
        root.put("$schema", "https://json-schema.org/draft/2020-12/schema");
        root.set("$defs", document.path("components").path("schemas").deepCopy());
        schema.properties().forEach(field -> root.set(field.getKey(), field.getValue().deepCopy()));
        String text = Json.MAPPER.writeValueAsString(root).replace("\"#/components/schemas/", "\"#/$defs/");
        return SCHEMAS.getSchema(Json.MAPPER.readTree(text));
    }
}
