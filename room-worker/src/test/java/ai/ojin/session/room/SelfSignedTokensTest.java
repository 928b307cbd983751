package ai.ojin.session.room;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.ojin.session.room.daily.MeetingTokenRequest;
import ai.ojin.session.room.daily.SelfSignedMeetingTokens;
import ai.ojin.session.testkit.FakeDaily;
import ai.ojin.session.testkit.FakeOrchestrator;
import ai.ojin.session.testkit.Fault;
import ai.ojin.session.testkit.TestKafka;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Base64;
import java.util.Map;
import org.junit.jupiter.api.Test;

class SelfSignedTokensTest {

    private static final Instant NOW = Instant.parse("2026-11-30T12:00:00Z");

    @Test
    void shouldSignATokenDailyAcceptsWithTheDocumentedClaims() {
        try (FakeDaily daily = new FakeDaily()) {
            // given
            var tokens = new SelfSignedMeetingTokens(daily.apiKey(), daily.domainId(), Clock.fixed(NOW, ZoneOffset.UTC));
            Instant exp = NOW.plusSeconds(600);

            // when
            String token = tokens.sign(new MeetingTokenRequest("room-1", false, "user", "u-abc", exp, Duration.ofSeconds(660)));

            // then: Daily's check passes and reads r, d, iat, exp, o, u, ud, eje
            FakeDaily.SelfSignedToken claims = daily.verifySelfSigned(token).orElseThrow();
            assertThat(claims.roomName()).isEqualTo("room-1");
            assertThat(claims.domainId()).isEqualTo(daily.domainId());
            assertThat(claims.issuedAt()).isEqualTo(NOW.getEpochSecond());
            assertThat(claims.exp()).isEqualTo(exp.getEpochSecond());
            assertThat(claims.isOwner()).isFalse();
            assertThat(claims.userName()).isEqualTo("user");
            assertThat(claims.ejectAtTokenExp()).isNull();
            assertThat(claims.ejectAfterElapsed()).isEqualTo(660);
            assertThat(claims.userId()).isEqualTo("u-abc");
            assertThat(claims.claims()).containsOnlyKeys("r", "d", "iat", "exp", "o", "u", "ud", "eje");
        }
    }

    @Test
    void shouldBeRefusedWhenSignedWithAnotherKeyForAnotherDomainOrTampered() {
        try (FakeDaily daily = new FakeDaily()) {
            // given
            Clock clock = Clock.fixed(NOW, ZoneOffset.UTC);
            MeetingTokenRequest request = new MeetingTokenRequest("room-1", false, "user", null, NOW.plusSeconds(600), null);
            String good = new SelfSignedMeetingTokens(daily.apiKey(), daily.domainId(), clock).sign(request);

            // when
            String otherKey = new SelfSignedMeetingTokens("not-the-key", daily.domainId(), clock).sign(request);
            String otherDomain = new SelfSignedMeetingTokens(daily.apiKey(), "another-domain", clock).sign(request);
            String[] parts = good.split("\\.");
            String payload = new String(Base64.getUrlDecoder().decode(parts[1]), StandardCharsets.UTF_8)
                    .replace("room-1", "room-2");
            String tampered = parts[0] + "." + Base64.getUrlEncoder().withoutPadding()
                    .encodeToString(payload.getBytes(StandardCharsets.UTF_8)) + "." + parts[2];

            // then
            assertThat(daily.verifySelfSigned(good)).isPresent();
            assertThat(daily.verifySelfSigned(otherKey)).isEmpty();
            assertThat(daily.verifySelfSigned(otherDomain)).isEmpty();
            assertThat(daily.verifySelfSigned(tampered)).isEmpty();
            assertThat(daily.verifySelfSigned("garbage")).isEmpty();
        }
    }

    @Test
    void shouldFailTheStartWhenTheDomainIdCannotBeRead() {
        FakeDaily daily = new FakeDaily();
        FakeOrchestrator orchestrator = new FakeOrchestrator();
        try {
            // given: Daily answers 500 to the domain configuration
            daily.failNext("GET", "/v1/", 100, Fault.status(500));

            // when / then
            assertThatThrownBy(() -> new WorkerHarness(daily, orchestrator, TestKafka.newTopics(),
                    TestKafka.uniqueId("room-worker"), Map.of("room.daily.max-attempts", "1")).close())
                    .hasStackTraceContaining("Could not read Daily's domain id")
                    .hasStackTraceContaining("room.daily.self-signed-tokens=false");
        } finally {
            daily.close();
            orchestrator.close();
        }
    }
}
