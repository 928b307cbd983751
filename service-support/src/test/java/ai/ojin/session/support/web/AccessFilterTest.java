package ai.ojin.session.support.web;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.springframework.mock.web.MockFilterChain;
import org.springframework.mock.web.MockHttpServletRequest;
import org.springframework.mock.web.MockHttpServletResponse;

class AccessFilterTest {

    private static final String TOKEN = "s3cret-admin";
    private final AccessFilter filter = new AccessFilter(new AdminToken(TOKEN), List.of(
            PublicEndpoint.of("POST", "/v1/public/agents/connect"), PublicEndpoint.read("/actuator/health"),
            PublicEndpoint.read("/actuator/health/**")));

    /** Every way of writing a protected path that a router or a container might read as that path. */
    static Stream<Arguments> tricks() {
        List<Arguments> cases = new ArrayList<>();
        for (String path : List.of("/v1/admin/agents/evil", "/v1/sessions/s-1", "/v1/call-history", "/actuator/metrics")) {
            String[] segments = path.substring(1).split("/");
            for (int i = 0; i < segments.length; i++) {
                String[] withParam = segments.clone();
                withParam[i] = withParam[i] + ";x";
                cases.add(Arguments.of("/" + String.join("/", withParam)));
            }
            cases.add(Arguments.of(path.replaceFirst("/", "%2F")));
            cases.add(Arguments.of(path.replace("/v1/", "/v1%2F").replace("/actuator/", "/actuator%2f")));
            cases.add(Arguments.of(path.replace("a", "%61")));
            cases.add(Arguments.of(path.replaceFirst("/", "//")));
            cases.add(Arguments.of(path.replace("/v1/", "/v1//").replace("/actuator/", "/actuator//")));
            cases.add(Arguments.of("/." + path));
            cases.add(Arguments.of("/v1/public/.." + path));
            cases.add(Arguments.of("/actuator/health/.." + path));
            cases.add(Arguments.of("/actuator/health/%2e%2e" + path));
            cases.add(Arguments.of(path + "/"));
            cases.add(Arguments.of(path.toUpperCase()));
            cases.add(Arguments.of(path + "%00"));
            cases.add(Arguments.of(path + "%2500"));
            cases.add(Arguments.of(path.replace("/", "\\")));
        }
        return cases.stream();
    }

    @ParameterizedTest
    @MethodSource("tricks")
    void shouldNeverLetAProtectedPathThroughWithoutTheToken(String uri) throws Exception {
        // given: a request without a token, its path written with a trick
        MockHttpServletRequest request = request("PUT", uri);

        // when
        MockFilterChain chain = new MockFilterChain();
        MockHttpServletResponse response = new MockHttpServletResponse();
        filter.doFilter(request, response, chain);

        // then: refused as malformed (400) or unauthorised (401), never handed on
        assertThat(response.getStatus()).isIn(400, 401);
        assertThat(chain.getRequest()).isNull();
        assertThat(response.getContentAsString()).contains("\"error_code\"");
    }

    @Test
    void shouldRefuseSemicolonsAndEncodedSlashesEvenWithTheToken() throws Exception {
        // given: the right token on paths the router could read differently
        for (String uri : List.of("/v1;x/admin/agents/a", "/v1/admin%2Fagents/a", "/v1/./admin/agents/a", "/v1//admin")) {
            MockHttpServletRequest request = request("GET", uri);
            request.addHeader("Authorization", "Bearer " + TOKEN);

            // when
            MockHttpServletResponse response = new MockHttpServletResponse();
            filter.doFilter(request, response, new MockFilterChain());

            // then
            assertThat(response.getStatus()).as(uri).isEqualTo(400);
            assertThat(response.getContentAsString()).contains("invalid_request");
        }
    }

    @Test
    void shouldLetPublicEndpointsThroughOnlyWithTheirMethod() throws Exception {
        assertThat(statusOf("POST", "/v1/public/agents/connect", null)).isEqualTo(200);
        assertThat(statusOf("POST", "/v1/public/agents/%63onnect", null)).isEqualTo(200);
        assertThat(statusOf("GET", "/actuator/health/readiness", null)).isEqualTo(200);
        assertThat(statusOf("DELETE", "/v1/public/agents/connect", null)).isEqualTo(401);
        assertThat(status(new AccessFilter(null, List.of(PublicEndpoint.anyMethod("/v1/public/agents/connect"))),
                "DELETE", "/v1/public/agents/connect", null)).isEqualTo(200);
        assertThat(statusOf("POST", "/actuator/health", null)).isEqualTo(401);
        assertThat(statusOf("GET", "/actuator/healthz", null)).isEqualTo(401);
        assertThat(statusOf("GET", "/error", null)).isEqualTo(401);
        assertThat(statusOf("OPTIONS", "/v1/admin/agents/a", null)).isEqualTo(401);
    }

    @Test
    void shouldLetEveryPathThroughWithTheToken() throws Exception {
        assertThat(statusOf("PUT", "/v1/admin/agents/a", "Bearer " + TOKEN)).isEqualTo(200);
        assertThat(statusOf("GET", "/no/such/path", "bearer " + TOKEN)).isEqualTo(200);
        assertThat(statusOf("PUT", "/v1/admin/agents/a", "Bearer wrong")).isEqualTo(401);
    }

    @Test
    void shouldAcceptNoTokenWhenTheServiceHasNone() throws Exception {
        // given: a service without an admin token
        AccessFilter open = new AccessFilter(null, PublicEndpoint.OPERATIONS);

        // when / then: only the public list answers
        assertThat(status(open, "GET", "/actuator/prometheus", null)).isEqualTo(200);
        assertThat(status(open, "GET", "/openapi.yaml", null)).isEqualTo(200);
        assertThat(status(open, "GET", "/actuator/metrics", "Bearer anything")).isEqualTo(401);
    }

    private int statusOf(String method, String uri, String authorization) throws Exception {
        return status(filter, method, uri, authorization);
    }

    private static int status(AccessFilter filter, String method, String uri, String authorization) throws Exception {
        MockHttpServletRequest request = request(method, uri);
        if (authorization != null) {
            request.addHeader("Authorization", authorization);
        }
        MockHttpServletResponse response = new MockHttpServletResponse();
        MockFilterChain chain = new MockFilterChain();
        filter.doFilter(request, response, chain);
        return chain.getRequest() != null ? 200 : response.getStatus();
    }

    private static MockHttpServletRequest request(String method, String uri) {
        MockHttpServletRequest request = new MockHttpServletRequest(method, uri);
        request.setServletPath("");
        return request;
    }
}
