package ai.ojin.session.connect.session;

import ai.ojin.session.connect.web.ApiException;
import ai.ojin.session.connect.web.RequestJson;
import tools.jackson.databind.JsonNode;

/**
 * The body of {@code POST /v1/public/agents/connect}: {@code agent_id} a required non-empty
 * string, {@code client_user_ref} an optional string (null = absent) of at most 256 characters
 * (Unicode code points), without control characters (U+0000-U+001F, U+007F) or unpaired
 * surrogates: it is stored and keyed on, and some stores refuse such text. Unknown fields are ignored.
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
            if (!isPlainText(clientUserRef)) {
                throw ApiException.invalidRequest(
                        "client_user_ref must not contain control, format or separator characters or unpaired surrogates");
            }
        }
        return new ConnectRequest(agentId.asString(), clientUserRef);
    }

    /**
     * True when the text has no control character (C0, DEL, C1 such as U+0085), no format character
     * (bidirectional overrides such as U+202E, zero-width characters, U+FEFF), no line or paragraph
     * separator (U+2028, U+2029), and every surrogate is paired.
     */
    static boolean isPlainText(String text) {
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            int type = Character.getType(c);
            if (type == Character.CONTROL || type == Character.FORMAT || type == Character.LINE_SEPARATOR
                    || type == Character.PARAGRAPH_SEPARATOR) {
                return false;
            }
            if (Character.isHighSurrogate(c)) {
                if (i + 1 >= text.length() || !Character.isLowSurrogate(text.charAt(i + 1))) {
                    return false;
                }
                i++;
            } else if (Character.isLowSurrogate(c)) {
                return false;
            }
        }
        return true;
    }
}
