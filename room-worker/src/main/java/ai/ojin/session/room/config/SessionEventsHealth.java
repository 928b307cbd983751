package ai.ojin.session.room.config;

import ai.ojin.session.events.fact.SessionEvent;
import ai.ojin.session.room.jobs.JobConsumer;
import ai.ojin.session.room.session.SessionJobs;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.stereotype.Component;

/**
 * Health {@code sessionEvents} (part of readiness): up while the {@code session-events} job
 * consumer runs and, since its start, has joined its group and knows its positions.
 */
@Component("sessionEvents")
public class SessionEventsHealth implements HealthIndicator {

    private final JobConsumer<SessionEvent> consumer;
    private final SessionJobs jobs;

    public SessionEventsHealth(JobConsumer<SessionEvent> consumer, SessionJobs jobs) {
        this.consumer = consumer;
        this.jobs = jobs;
    }

    @Override
    public Health health() {
        Health.Builder builder = consumer.ready() ? Health.up() : Health.down();
        return builder.withDetail("assignedPartitions", consumer.assignedPartitions())
                .withDetail("unfinishedJobs", consumer.unfinishedJobs())
                .withDetail("setupsInFlight", jobs.setupsInFlight())
                .withDetail("teardownsInFlight", jobs.teardownsInFlight())
                .withDetail("paused", consumer.paused())
                .build();
    }
}
