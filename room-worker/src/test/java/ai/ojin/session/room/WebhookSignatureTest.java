package ai.ojin.session.room;

import static org.assertj.core.api.Assertions.assertThat;

import ai.ojin.session.room.webhook.WebhookSignature;
import ai.ojin.session.room.webhook.WebhookSignature.Verdict;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Base64;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.api.Test;

class WebhookSignatureTest {

    private static final byte[] SECRET = "a shared webhook secret".getBytes(StandardCharsets.UTF_8);
    private static final Instant NOW = Instant.parse("2026-01-01T12:00:00Z");
    private final WebhookSignature verifier = new WebhookSignature(Base64.getEncoder().encodeToString(SECRET),
            Duration.ofMinutes(5), Clock.fixed(NOW, ZoneOffset.UTC));

    @Test
    void shouldAcceptASignatureComputedIndependently() throws Exception {
        // given: Daily's scheme computed here with the JDK directly
        byte[] body = "{\"type\":\"meeting.ended\"}".getBytes(StandardCharsets.UTF_8);
        String timestamp = String.valueOf(NOW.minusSeconds(299).getEpochSecond());
        Mac mac = Mac.getInstance("HmacSHA256");
        mac.init(new SecretKeySpec(SECRET, "HmacSHA256"));
        String signature = Base64.getEncoder().encodeToString(
                mac.doFinal((timestamp + "." + new String(body, StandardCharsets.UTF_8)).getBytes(StandardCharsets.UTF_8)));

        // when / then
        assertThat(verifier.verify(timestamp, signature, body)).isEqualTo(Verdict.VALID);
    }

    @Test
    void shouldRefuseATamperedBodyAStaleTimestampAndMissingHeaders() {
        // given
        byte[] body = "{\"type\":\"meeting.ended\"}".getBytes(StandardCharsets.UTF_8);
        String fresh = String.valueOf(NOW.getEpochSecond());
        String stale = String.valueOf(NOW.minusSeconds(301).getEpochSecond());

        // when / then
        assertThat(verifier.verify(fresh, verifier.signature(fresh, body), "{\"type\":\"x\"}".getBytes(StandardCharsets.UTF_8)))
                .isEqualTo(Verdict.FORGED);
        assertThat(verifier.verify(stale, verifier.signature(stale, body), body)).isEqualTo(Verdict.STALE);
        assertThat(verifier.verify(fresh, "not-base64!", body)).isEqualTo(Verdict.FORGED);
        assertThat(verifier.verify(null, verifier.signature(fresh, body), body)).isEqualTo(Verdict.MISSING);
        assertThat(WebhookSignature.refuseAll().verify(fresh, verifier.signature(fresh, body), body)).isEqualTo(Verdict.FORGED);
    }
}
