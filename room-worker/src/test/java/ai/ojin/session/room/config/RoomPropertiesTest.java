package ai.ojin.session.room.config;

import static org.assertj.core.api.Assertions.assertThat;

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
}
