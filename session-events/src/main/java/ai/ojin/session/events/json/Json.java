package ai.ojin.session.events.json;

import tools.jackson.databind.DeserializationFeature;
import tools.jackson.databind.PropertyNamingStrategies;
import tools.jackson.databind.json.JsonMapper;

/**
 * The one JSON mapping of every record on our topics: snake_case fields, ISO-8601 instants,
 * unknown fields ignored (a newer writer may add fields; readers must not break).
 * {@link JsonMapper} is immutable in Jackson 3, so sharing it is safe.
 */
public final class Json {

    public static final JsonMapper MAPPER = JsonMapper.builder()
            .propertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE)
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .build();

    private Json() {
    }
}
