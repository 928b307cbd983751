package ai.ojin.session.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.http.HttpHeaders;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The oracle itself: it must refuse what breaks the checked-in document, or the contract tests prove nothing. */
class OpenApiContractTest {

    private static final String CONNECT = "/v1/public/agents/connect";
    private final OpenApiContract contract = OpenApiContract.checkedIn();

    private static HttpHeaders headers(Map<String, List<String>> values) {
        return HttpHeaders.of(values, (name, value) -> true);
    }

    private static final HttpHeaders JSON_NO_STORE = headers(Map.of("Content-Type", List.of("application/json"),
            "Cache-Control", List.of("no-store"), "Vary", List.of("Origin")));

    @Test
    void shouldListTheConnectEndpointsStatuses() {
        // when
        var statuses = contract.statuses(CONNECT, "post");

        // then
        assertThat(statuses).containsExactly(200, 400, 403, 404, 405, 409, 413, 415, 422, 429, 500, 502, 503);
    }

    @Test
    void shouldAcceptAConformingSuccess() {
        // given
        String body = "{\"session_id\":\"a_1\",\"room_url\":\"https://r.test/a_1\",\"token\":\"t\"}";

        // when
        var violations = contract.violations(CONNECT, "post", 200, JSON_NO_STORE, body);

        // then
        assertThat(violations).isEmpty();
    }

    @Test
    void shouldRefuseASuccessWithoutTokenOrWithoutNoStore() {
        // given
        String withoutToken = "{\"session_id\":\"a_1\",\"room_url\":\"https://r.test/a_1\"}";
        HttpHeaders cacheable = headers(Map.of("Content-Type", List.of("application/json"), "Vary", List.of("Origin")));

        // when / then
        assertThat(contract.violations(CONNECT, "post", 200, JSON_NO_STORE, withoutToken)).isNotEmpty();
        assertThat(contract.violations(CONNECT, "post", 200, cacheable,
                "{\"session_id\":\"a\",\"room_url\":\"u\",\"token\":\"t\"}"))
                .anySatisfy(v -> assertThat(v).contains("Cache-Control"));
    }

    @Test
    void shouldRefuseAWrongErrorCodeForTheStatusAndAnUndocumentedStatus() {
        // when / then
        assertThat(contract.violations(CONNECT, "post", 403, JSON_NO_STORE,
                "{\"error_code\":\"agent_not_found\",\"message\":\"m\"}")).isNotEmpty();
        assertThat(contract.violations(CONNECT, "post", 403, JSON_NO_STORE,
                "{\"error_code\":\"auth_failed\",\"message\":\"m\"}")).isEmpty();
        assertThat(contract.violations(CONNECT, "post", 418, JSON_NO_STORE,
                "{\"error_code\":\"teapot\",\"message\":\"m\"}")).containsExactly("status 418 is not documented for post " + CONNECT);
    }

    @Test
    void shouldRequireRetryAfterOnAConcurrencyLimit() {
        // given
        String body = "{\"error_code\":\"concurrency_limit\",\"message\":\"m\",\"retry_after_seconds\":3}";
        HttpHeaders withRetryAfter = headers(Map.of("Content-Type", List.of("application/json"),
                "Cache-Control", List.of("no-store"), "Retry-After", List.of("3")));

        // when / then
        assertThat(contract.violations(CONNECT, "post", 429, withRetryAfter, body)).isEmpty();
        assertThat(contract.violations(CONNECT, "post", 429, JSON_NO_STORE, body))
                .anySatisfy(v -> assertThat(v).contains("Retry-After"));
        assertThat(contract.violations(CONNECT, "post", 429, withRetryAfter,
                "{\"error_code\":\"concurrency_limit\",\"message\":\"m\"}")).isNotEmpty();
    }
}
