package ai.ojin.session.testkit;

import java.time.Instant;

/** One request a fake HTTP server received (the body as text; bodies here are JSON). */
public record RecordedRequest(String method, String path, String query, String authorization, String body, Instant at) {
}
