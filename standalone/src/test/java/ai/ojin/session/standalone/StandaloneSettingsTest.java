package ai.ojin.session.standalone;

import static org.assertj.core.api.Assertions.assertThat;

import ai.ojin.session.standalone.widget.WidgetPreset;
import java.util.Map;
import org.junit.jupiter.api.Test;

class StandaloneSettingsTest {

    @Test
    void shouldServeTheWidgetOn8090ByDefaultAndNotAtAllFor0OrANegativePort() {
        // when / then
        assertThat(StandaloneSettings.fromEnvironment(Map.of()).widgetPort()).isEqualTo(8090);
        assertThat(StandaloneSettings.fromEnvironment(Map.of("WIDGET_PORT", "9123")).widgetPort()).isEqualTo(9123);
        assertThat(StandaloneSettings.fromEnvironment(Map.of("WIDGET_PORT", "0")).widgetPort()).isEqualTo(StandaloneSettings.WIDGET_OFF);
        assertThat(StandaloneSettings.fromEnvironment(Map.of("WIDGET_PORT", "-1")).widgetPort()).isEqualTo(StandaloneSettings.WIDGET_OFF);
    }

    @Test
    void shouldLoadDailysLibraryOnlyWhenRoomsAreReal() {
        // when / then: a simulated room cannot be joined, so the page does not try
        assertThat(StandaloneSettings.fromEnvironment(Map.of()).widgetDailyJsUrl()).isNull();
        assertThat(StandaloneSettings.fromEnvironment(Map.of("DAILY_API_KEY", "key")).widgetDailyJsUrl()).isEqualTo(WidgetPreset.DAILY_CDN);
        assertThat(StandaloneSettings.fromEnvironment(Map.of("DAILY_API_KEY", "key", "WIDGET_DAILY_JS_URL", "none")).widgetDailyJsUrl()).isNull();
        assertThat(StandaloneSettings.fromEnvironment(Map.of("WIDGET_DAILY_JS_URL", "https://cdn.example/daily.js")).widgetDailyJsUrl())
                .isEqualTo("https://cdn.example/daily.js");
    }

    @Test
    void shouldTakeAnyFreeWidgetPortOnlyWhenAskedInCode() {
        // given
        StandaloneSettings settings = StandaloneSettings.fromEnvironment(Map.of());

        // when / then
        assertThat(settings.withWidgetPort(0).widgetPort()).isZero();
        assertThat(settings.withWidgetPort(-5).widgetPort()).isEqualTo(StandaloneSettings.WIDGET_OFF);
    }

    @Test
    void shouldListenOnLoopbackUnlessBindAddressSaysOtherwise() {
        // when
        StandaloneSettings local = StandaloneSettings.fromEnvironment(Map.of());
        StandaloneSettings exposed = StandaloneSettings.fromEnvironment(Map.of("BIND_ADDRESS", "0.0.0.0"));

        // then
        assertThat(local.bindAddress()).isEqualTo("127.0.0.1");
        assertThat(local.warnings()).isEmpty();
        assertThat(exposed.bindAddress()).isEqualTo("0.0.0.0");
    }

    @Test
    void shouldWarnWhenExposedWithThePublishedDefaultAdminToken() {
        // when
        StandaloneSettings defaults = StandaloneSettings.fromEnvironment(Map.of("BIND_ADDRESS", "0.0.0.0"));
        StandaloneSettings ownSecrets = StandaloneSettings.fromEnvironment(Map.of("BIND_ADDRESS", "0.0.0.0",
                "ADMIN_TOKEN", "a-real-token", "DAILY_WEBHOOK_HMAC", "c2VjcmV0"));

        // then
        assertThat(defaults.warnings()).anyMatch(w -> w.contains("ADMIN_TOKEN")).anyMatch(w -> w.contains("DAILY_WEBHOOK_HMAC"));
        assertThat(ownSecrets.warnings()).isEmpty();
    }

    @Test
    void shouldNotPrintSecrets() {
        // given
        StandaloneSettings settings = StandaloneSettings.fromEnvironment(Map.of("ADMIN_TOKEN", "admin-SECRET1",
                "DAILY_API_KEY", "daily-SECRET2", "ORCHESTRATOR_TOKEN", "orch-SECRET3", "CALL_HISTORY_DB_PASSWORD", "db-SECRET4",
                "ORCHESTRATOR_URL", "http://o.example.com"));

        // when
        String printed = settings.toString();

        // then
        assertThat(printed).doesNotContain("SECRET").contains("ADMIN_TOKEN", "DAILY_API_KEY");
    }
}
