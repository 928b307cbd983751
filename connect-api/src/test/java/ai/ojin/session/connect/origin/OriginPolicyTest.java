package ai.ojin.session.connect.origin;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class OriginPolicyTest {

    private static final List<String> EXAMPLE = List.of("example.com", "app.example.org:8443");

    @ParameterizedTest
    @ValueSource(strings = {"https://example.com", "http://example.com", "https://EXAMPLE.com", "HTTPS://Example.COM",
            "https://example.com:9999", "https://app.example.org:8443", "http://app.example.org:8443"})
    void shouldAllowOriginsWhoseHostEqualsAnEntry(String origin) {
        // given / when
        boolean allowed = OriginPolicy.allows(EXAMPLE, OriginHeader.of(origin));

        // then
        assertThat(allowed).isTrue();
    }

    @ParameterizedTest
    @ValueSource(strings = {"null", "https://example.com.evil.com", "https://evil-example.com", "https://evilexample.com",
            "https://sub.example.com", "https://example.com@evil.com", "https://evil.com@example.com",
            "https://user:pw@example.com", "https://example.com/", "https://example.com/path", "https://example.com?x=1",
            "https://example.com#f", "ftp://example.com", "example.com", "//example.com", "https://example.com.",
            "https://example.com:0", "https://example.com:70000", "https://example.com:", " https://example.com",
            "https://exa mple.com", "https://app.example.org", "https://app.example.org:443", "https://app.example.org:8444",
            "https://-example.com", "https://example..com", ""})
    void shouldRejectMalformedOrNonMatchingOrigins(String origin) {
        // given / when
        boolean allowed = OriginPolicy.allows(EXAMPLE, OriginHeader.of(origin));

        // then
        assertThat(allowed).isFalse();
    }

    @Test
    void shouldRejectAMissingOriginUnlessTheAgentHasTheWildcard() {
        // given
        OriginHeader none = OriginHeader.ABSENT;

        // when / then
        assertThat(OriginPolicy.allows(EXAMPLE, none)).isFalse();
        assertThat(OriginPolicy.allows(List.of("example.com", "*"), none)).isTrue();
    }

    @Test
    void shouldRejectEverythingForAPrivateAgent() {
        // given
        List<String> none = List.of();

        // when / then
        assertThat(OriginPolicy.allows(none, OriginHeader.of("https://example.com"))).isFalse();
        assertThat(OriginPolicy.allows(none, OriginHeader.ABSENT)).isFalse();
    }

    @Test
    void shouldMatchAnEntryWithAPortAgainstTheDefaultPortOfTheScheme() {
        // given
        List<String> entries = List.of("example.com:443");

        // when / then
        assertThat(OriginPolicy.allows(entries, OriginHeader.of("https://example.com"))).isTrue();
        assertThat(OriginPolicy.allows(entries, OriginHeader.of("http://example.com"))).isFalse();
    }

    @Test
    void shouldMatchIpAddressesAndLocalhost() {
        // given
        List<String> entries = List.of("localhost", "127.0.0.1:3000", "[::1]");

        // when / then
        assertThat(OriginPolicy.allows(entries, OriginHeader.of("http://localhost:5173"))).isTrue();
        assertThat(OriginPolicy.allows(entries, OriginHeader.of("http://127.0.0.1:3000"))).isTrue();
        assertThat(OriginPolicy.allows(entries, OriginHeader.of("http://127.0.0.1:3001"))).isFalse();
        assertThat(OriginPolicy.allows(entries, OriginHeader.of("http://[::1]:8080"))).isTrue();
    }

    @Test
    void shouldParseAllowedHostnamesToTheirLowerCasedForm() {
        assertThat(AllowedHostname.parse("App.Example.COM:8080")).map(AllowedHostname::canonical).contains("app.example.com:8080");
        assertThat(AllowedHostname.parse("*")).map(AllowedHostname::canonical).contains("*");
        assertThat(AllowedHostname.parse("https://example.com")).isEmpty();
        assertThat(AllowedHostname.parse("*.example.com")).isEmpty();
        assertThat(AllowedHostname.parse("example.com/")).isEmpty();
        assertThat(AllowedHostname.parse("")).isEmpty();
    }
}
