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
}
