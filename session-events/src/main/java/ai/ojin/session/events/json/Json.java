package ai.ojin.session.events.json;

import tools.jackson.core.StreamReadConstraints;
import tools.jackson.core.json.JsonFactory;
import tools.jackson.databind.DeserializationFeature;
import tools.jackson.databind.PropertyNamingStrategies;
import tools.jackson.databind.json.JsonMapper;

/**
 * The one JSON mapping of every record on our topics: snake_case fields, ISO-8601 instants,
 * unknown fields ignored (a newer writer may add fields; readers must not break).
 * {@link JsonMapper} is immutable in Jackson 3, so sharing it is safe.
 *
 * <p>It also reads what comes from outside (records, Daily's answers), so reading is bounded:
 * at most {@value #MAX_DOCUMENT_BYTES} bytes, {@value #MAX_NESTING_DEPTH} levels of nesting and
 * {@value #MAX_STRING_LENGTH} characters per string. Readers of request bodies use
 * {@link #limited} with tighter bounds.
 */
public final class Json {

    public static final long MAX_DOCUMENT_BYTES = 8L * 1024 * 1024;
    public static final int MAX_NESTING_DEPTH = 64;
    public static final int MAX_STRING_LENGTH = 1024 * 1024;

    public static final JsonMapper MAPPER = builder(MAX_DOCUMENT_BYTES, MAX_NESTING_DEPTH, MAX_STRING_LENGTH).build();

    private Json() {
    }

    /** The shared mapping with tighter read bounds, for request bodies and other small input. */
    public static JsonMapper limited(long maxDocumentBytes, int maxNestingDepth, int maxStringLength) {
        return builder(maxDocumentBytes, maxNestingDepth, maxStringLength).build();
    }

    private static JsonMapper.Builder builder(long maxDocumentBytes, int maxNestingDepth, int maxStringLength) {
        JsonFactory factory = JsonFactory.builder()
                .streamReadConstraints(StreamReadConstraints.builder()
                        .maxDocumentLength(maxDocumentBytes)
                        .maxNestingDepth(maxNestingDepth)
                        .maxStringLength(maxStringLength)
                        .build())
                .build();
        return JsonMapper.builder(factory)
                .propertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE)
                .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);
    }
}
