package ai.ojin.session.processor.streams;

import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotNull;
import java.time.Duration;
import java.util.List;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.validation.annotation.Validated;

/**
 * {@code processor.metrics.*}: which agents get a tag of their own in {@code session.active}, so
 * that many agents cannot blow up the registry.
 *
 * @param agents agents always tagged by name in {@code session.active} (allow-list, e.g.
 *     {@code PROCESSOR_METRICS_AGENTS=a,b})
 * @param topAgents besides those, how many of the agents with the most active sessions are tagged
 *     by name; all others are summed under {@code agent="other"}
 * @param refresh how often the {@code session.active} gauge is read from the processor's state
 */
@Validated
@ConfigurationProperties("processor.metrics")
public record MetricsProperties(
        @DefaultValue({}) @NotNull List<String> agents,
        @DefaultValue("10") @Min(0) int topAgents,
        @DefaultValue("10s") @NotNull Duration refresh) {
}
