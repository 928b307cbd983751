package ai.ojin.session.connect.session;

import ai.ojin.session.connect.web.ApiException;
import ai.ojin.session.connect.web.RequestJson;
import tools.jackson.databind.JsonNode;

/**
 * The body of {@code POST /v1/public/agents/connect}: {@code agent_id} a required non-empty
 * string, {@code client_user_ref} an optional string (null = absent) of at most 256 characters
 * (Unicode code points). Unknown fields are ignored.
 */
public record ConnectRequest(String agentId, String clientUserRef) {

    public static final int MAX_CLIENT_USER_REF = 256;

    /** @throws ApiException 400 {@code invalid_request} */
    public static ConnectRequest parse(byte[] body) {
        JsonNode root = RequestJson.readObject(body);
        JsonNode agentId = root.get("agent_id");
        if (agentId == null || agentId.isNull()) {
            throw ApiException.invalidRequest("agent_id is required");
        }
        if (!agentId.isString()) {
            throw ApiException.invalidRequest("agent_id must be a string");
        }
        if (agentId.asString().isEmpty()) {
            throw ApiException.invalidRequest("agent_id must not be empty");
        }
        JsonNode ref = root.get("client_user_ref");
        String clientUserRef = null;
        if (ref != null && !ref.isNull()) {
            if (!ref.isString()) {
                throw ApiException.invalidRequest("client_user_ref must be a string");
            }
            clientUserRef = ref.asString();
            if (clientUserRef.codePointCount(0, clientUserRef.length()) > MAX_CLIENT_USER_REF) {
                throw ApiException.invalidRequest("client_user_ref must be at most " + MAX_CLIENT_USER_REF + " characters");
            }
        }
        return new ConnectRequest(agentId.asString(), clientUserRef);
    }
}
