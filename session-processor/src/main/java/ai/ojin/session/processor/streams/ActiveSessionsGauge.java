package ai.ojin.session.processor.streams;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.MultiGauge;
import io.micrometer.core.instrument.Tags;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Supplier;

/**
 * {@code session.active{agent}}: the active sessions per agent in this instance's state (its
 * tasks' {@code active-counts} stores). Bounded: the allow-listed agents and the top N by count
 * have a tag of their own, the rest are summed under {@code other}; an agent that drops out of the
 * set loses its series at the next refresh.
 */
public class ActiveSessionsGauge {

    static final String OTHER = "other";

    private final Supplier<Map<String, Integer>> counts;
    private final Set<String> allowed;
    private final int topAgents;
    private final MultiGauge gauge;

    public ActiveSessionsGauge(Supplier<Map<String, Integer>> counts, MetricsProperties properties, MeterRegistry meters) {
        this.counts = counts;
        this.allowed = Set.copyOf(properties.agents());
        this.topAgents = properties.topAgents();
        this.gauge = MultiGauge.builder("session.active").description("Active sessions by agent (bounded tags)")
                .register(meters);
    }

    /** Reads the state again and replaces the gauge's rows. */
    public void refresh() {
        Map<String, Integer> rows = bounded(counts.get());
        List<MultiGauge.Row<?>> gaugeRows = new ArrayList<>();
        rows.forEach((agent, count) -> gaugeRows.add(MultiGauge.Row.of(Tags.of("agent", agent), count)));
        gauge.register(gaugeRows, true);
    }

    /** The allow-listed and top-N agents by name, everyone else under {@value #OTHER} (always present). */
    Map<String, Integer> bounded(Map<String, Integer> active) {
        Set<String> named = new HashSet<>();
        active.keySet().stream().filter(allowed::contains).forEach(named::add);
        active.entrySet().stream()
                .filter(e -> !allowed.contains(e.getKey()) && e.getValue() > 0)
                .sorted(Map.Entry.<String, Integer>comparingByValue().reversed().thenComparing(Map.Entry.comparingByKey()))
                .limit(topAgents)
                .forEach(e -> named.add(e.getKey()));
        Map<String, Integer> rows = new LinkedHashMap<>();
        int other = 0;
        for (Map.Entry<String, Integer> e : active.entrySet()) {
            if (named.contains(e.getKey()) && !OTHER.equals(e.getKey())) {
                rows.put(e.getKey(), e.getValue());
            } else {
                other += e.getValue();
            }
        }
        allowed.stream().filter(a -> !OTHER.equals(a)).forEach(a -> rows.putIfAbsent(a, 0));
        rows.put(OTHER, other);
        return rows;
    }
}
