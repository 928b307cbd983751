package ai.ojin.session.room.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.ojin.session.room.http.RateWindow;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.context.properties.source.MapConfigurationPropertySource;

class RoomPropertiesTest {

    @Test
    void shouldNeverPrintTheDailyKeyOrchestratorTokenOrWebhookSecret() {
        // given
        RoomProperties properties = new Binder(new MapConfigurationPropertySource(Map.of(
                "room.daily.api-key", "daily-key-SECRET1",
                "room.orchestrator.url", "https://orchestrator.example.com",
                "room.orchestrator.token", "orch-token-SECRET2",
                "room.webhook.hmac", "aG1hYy1TRUNSRVQz")))
                .bindOrCreate("room", RoomProperties.class);

        // when
        String printed = properties.toString();

        // then
        assertThat(printed).doesNotContain("SECRET1", "SECRET2", "aG1hYy1TRUNSRVQz")
                .contains("https://orchestrator.example.com", "***");
    }

    @Test
    void shouldDefaultToDailysPublishedLimitsAndRefuseAMalformedOne() {
        // when: nothing is set
        RoomProperties.Limits limits = new Binder(new MapConfigurationPropertySource(Map.of()))
                .bindOrCreate("room", RoomProperties.class).daily().limits();

        // then: Daily's published limits, on
        assertThat(limits.enabled()).isTrue();
        assertThat(limits.standardWindows()).containsExactly(new RateWindow(20, Duration.ofSeconds(1)),
                new RateWindow(100, Duration.ofSeconds(5)));
        assertThat(limits.deleteWindows()).containsExactly(new RateWindow(2, Duration.ofSeconds(1)),
                new RateWindow(50, Duration.ofSeconds(30)));

        // and: a limit that is not <requests>/<window> does not bind
        assertThatThrownBy(() -> new Binder(new MapConfigurationPropertySource(Map.of(
                "room.daily.limits.delete", "2 per second"))).bindOrCreate("room", RoomProperties.class))
                .hasStackTraceContaining("'2 per second' is not <requests>/<length>");
    }
}
