package ai.ojin.session.processor.streams;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ActiveSessionsGaugeTest {

    private final SimpleMeterRegistry meters = new SimpleMeterRegistry();
    private final Map<String, Integer> state = new HashMap<>();

    @Test
    void shouldTagTheAllowListAndTheTopAgentsAndSumTheRestAsOther() {
        // given: allow-list "small", top 2
        ActiveSessionsGauge gauge = new ActiveSessionsGauge(() -> Map.copyOf(state),
                new MetricsProperties(List.of("small"), 2, Duration.ofSeconds(1)), meters);
        state.putAll(Map.of("big", 50, "bigger", 70, "small", 1, "mid", 10, "tiny", 2));

        // when
        gauge.refresh();

        // then: 5 agents, 4 series (bounded), nothing lost
        assertThat(value("bigger")).isEqualTo(70);
        assertThat(value("big")).isEqualTo(50);
        assertThat(value("small")).isEqualTo(1);
        assertThat(value("other")).isEqualTo(12);
        assertThat(meters.find("session.active").gauges()).hasSize(4);

        // and when "mid" overtakes "big", "big" loses its series
        state.put("mid", 80);
        gauge.refresh();
        assertThat(meters.find("session.active").tag("agent", "big").gauge()).isNull();
        assertThat(value("mid")).isEqualTo(80);
        assertThat(value("other")).isEqualTo(52);
    }

    @Test
    void shouldReportZeroForAllowListedAgentsWithoutSessions() {
        // given
        ActiveSessionsGauge gauge = new ActiveSessionsGauge(Map::of,
                new MetricsProperties(List.of("vip"), 0, Duration.ofSeconds(1)), meters);

        // when
        gauge.refresh();

        // then
        assertThat(value("vip")).isZero();
        assertThat(value("other")).isZero();
    }

    private double value(String agent) {
        return meters.get("session.active").tag("agent", agent).gauge().value();
    }
}
