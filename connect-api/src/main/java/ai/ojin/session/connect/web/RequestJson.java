package ai.ojin.session.connect.web;

import ai.ojin.session.events.json.Json;
import tools.jackson.core.JacksonException;
import tools.jackson.core.StreamReadFeature;
import tools.jackson.databind.DeserializationFeature;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Strict reading of request bodies: one JSON object, no duplicate keys, nothing after it, at most
 * 64 KiB (the largest body limit), 16 levels deep, strings of at most 16 Ki characters.
 */
public final class RequestJson {

    private static final JsonMapper STRICT = Json.limited(64 * 1024, 16, 16 * 1024).rebuild()
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .build();

    private RequestJson() {
    }

    /** @throws ApiException 400 {@code invalid_request} when the body is not one JSON object */
    public static JsonNode readObject(byte[] body) {
        if (body == null || body.length == 0) {
            throw ApiException.invalidRequest("Request body must be a JSON object");
        }
        JsonNode root;
        try {
            root = STRICT.readTree(body);
        } catch (JacksonException e) {
            throw ApiException.invalidRequest("Request body is not valid JSON");
        }
        if (root == null || !root.isObject()) {
            throw ApiException.invalidRequest("Request body must be a JSON object");
        }
        return root;
    }
}
