package ai.ojin.session.history.ingest;

import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.stereotype.Component;

/**
 * Health "ingest": DOWN with {@code stalled: true} once facts have waited without being folded
 * for {@code history.stall-after} (the store is down and the sink keeps retrying); UP otherwise,
 * with {@code retrying} while a shorter outage lasts.
 */
@Component("ingest")
class IngestHealthIndicator implements HealthIndicator {

    private final IngestProgress progress;

    IngestHealthIndicator(IngestProgress progress) {
        this.progress = progress;
    }

    @Override
    public Health health() {
        var since = progress.failingSince();
        Health.Builder builder = progress.stalled() ? Health.down().withDetail("stalled", true) : Health.up();
        if (since != null) {
            builder.withDetail("retrying_since", since.toString()).withDetail("last_error", progress.lastError());
        }
        if (progress.lastAdvance() != null) {
            builder.withDetail("last_advance", progress.lastAdvance().toString());
        }
        return builder.build();
    }
}
