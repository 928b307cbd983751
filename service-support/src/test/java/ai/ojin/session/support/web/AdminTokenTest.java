package ai.ojin.session.support.web;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class AdminTokenTest {

    @Test
    void shouldAcceptOnlyTheBearerTokenAndNeverPrintIt() {
        // given
        AdminToken token = new AdminToken("s3cret-admin");

        // then
        assertThat(token.authorizes("Bearer s3cret-admin")).isTrue();
        assertThat(token.authorizes("bearer s3cret-admin")).isTrue();
        assertThat(token.authorizes("Bearer s3cret-admi")).isFalse();
        assertThat(token.authorizes("Basic s3cret-admin")).isFalse();
        assertThat(token.authorizes("s3cret-admin")).isFalse();
        assertThat(token.authorizes(null)).isFalse();
        assertThat(token.toString()).doesNotContain("s3cret");
    }

    @Test
    void shouldWriteTheOneErrorShape() {
        assertThat(new String(ApiErrors.body("payload_too_large", "too big"))).isEqualTo(
                "{\"error_code\":\"payload_too_large\",\"message\":\"too big\"}");
        assertThat(new String(ApiErrors.body("concurrency_limit", "busy", 3))).isEqualTo(
                "{\"error_code\":\"concurrency_limit\",\"message\":\"busy\",\"retry_after_seconds\":3}");
    }
}
