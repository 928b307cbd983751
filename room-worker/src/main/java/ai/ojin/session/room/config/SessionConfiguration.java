package ai.ojin.session.room.config;

import ai.ojin.session.support.schedule.Phases;
import io.micrometer.observation.ObservationRegistry;
import org.springframework.beans.factory.ObjectProvider;
import ai.ojin.session.events.command.SessionCommand;
import ai.ojin.session.events.reply.SessionReply;
import ai.ojin.session.events.topic.SessionTopics;
import ai.ojin.session.support.config.TopicsProperties;
import ai.ojin.session.room.assignment.RoomAssignments;
import ai.ojin.session.room.daily.DailyApi;
import ai.ojin.session.room.daily.DailyBudget;
import ai.ojin.session.room.daily.MeetingTokens;
import ai.ojin.session.room.jobs.Retry;
import ai.ojin.session.room.orchestrator.Orchestrator;
import ai.ojin.session.room.pool.RoomPool;
import ai.ojin.session.room.reconcile.PartitionOwnership;
import ai.ojin.session.room.reconcile.RoomReconciler;
import ai.ojin.session.room.session.DeadLetters;
import ai.ojin.session.room.session.SessionJobs;
import ai.ojin.session.room.session.SessionOutbox;
import ai.ojin.session.room.session.SessionRegistry;
import ai.ojin.session.room.session.SessionRepeats;
import ai.ojin.session.room.session.SessionSetup;
import ai.ojin.session.room.session.SessionTeardown;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import ai.ojin.session.support.schedule.PeriodicWork;
import java.time.Clock;
import java.time.Duration;
import org.springframework.scheduling.TaskScheduler;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.atomic.AtomicInteger;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.kafka.core.KafkaTemplate;
import org.springframework.kafka.listener.DeadLetterPublishingRecoverer;

/** The session jobs (set-up, tear-down, dead letters) and the reconciliation. */
@Configuration(proxyBeanMethods = false)
public class SessionConfiguration {

    /** Timers of the jobs (deadlines, retry pauses); the tasks they run are short and do not block. */
    @Bean(destroyMethod = "shutdownNow")
    ScheduledExecutorService roomWorkerTimers() {
        AtomicInteger threads = new AtomicInteger();
        return Executors.newScheduledThreadPool(2, r -> {
            Thread thread = new Thread(r, "room-worker-timer-" + threads.incrementAndGet());
            thread.setDaemon(true);
            return thread;
        });
    }

    @Bean
    SessionRegistry sessionRegistry(MeterRegistry meters) {
        SessionRegistry registry = new SessionRegistry();
        Gauge.builder("room.sessions.live", registry, SessionRegistry::liveCount).register(meters);
        return registry;
    }

    @Bean
    SessionOutbox sessionOutbox(SessionTopics topics, KafkaTemplate<String, SessionReply> replyTemplate,
                                KafkaTemplate<String, SessionCommand> commandTemplate) {
        return new SessionOutbox(topics, replyTemplate, commandTemplate);
    }

    @Bean
    RoomPool roomPool(DailyApi daily, RoomProperties properties, Clock clock, MeterRegistry meters) {
        return new RoomPool(daily, properties, clock, meters);
    }

    @Bean
    SessionTeardown sessionTeardown(DailyApi daily, RoomPool roomPool, RoomAssignments roomAssignments,
                                    Orchestrator orchestrator, SessionRegistry registry, RoomProperties properties,
                                    MeterRegistry meters, Clock clock, ScheduledExecutorService roomWorkerTimers) {
        return new SessionTeardown(daily, roomPool, roomAssignments, orchestrator, registry, properties, meters, clock,
                roomWorkerTimers);
    }

    @Bean
    SessionSetup sessionSetup(DailyApi daily, MeetingTokens meetingTokens, RoomPool roomPool,
                              RoomAssignments roomAssignments, Orchestrator orchestrator, SessionOutbox outbox,
                              SessionRegistry registry, RoomProperties properties, MeterRegistry meters, Clock clock,
                              ScheduledExecutorService roomWorkerTimers, ObjectProvider<ObservationRegistry> observations) {
        return new SessionSetup(daily, meetingTokens, roomPool, roomAssignments, orchestrator, outbox, registry,
                properties, meters, clock, roomWorkerTimers, observations.getIfAvailable(() -> ObservationRegistry.NOOP));
    }

    @Bean(destroyMethod = "shutdownNow")
    ScheduledExecutorService deadLetterPublisher() {
        return Executors.newSingleThreadScheduledExecutor(r -> {
            Thread thread = new Thread(r, "room-worker-dead-letters");
            thread.setDaemon(true);
            return thread;
        });
    }

    @Bean
    SessionRepeats sessionRepeats(MeetingTokens meetingTokens, SessionOutbox outbox, SessionRegistry registry,
                                  RoomProperties properties, Clock clock, RoomPool roomPool,
                                  RoomAssignments roomAssignments) {
        return new SessionRepeats(meetingTokens, outbox, registry, properties, clock, roomPool, roomAssignments);
    }

    @Bean
    SessionJobs sessionJobs(SessionSetup setup, SessionTeardown teardown, SessionRegistry registry, SessionRepeats repeats,
                            DeadLetterPublishingRecoverer sessionEventsDeadLetters,
                            ScheduledExecutorService deadLetterPublisher, ScheduledExecutorService roomWorkerTimers,
                            RoomProperties properties, MeterRegistry meters) {
        DeadLetters deadLetters = new DeadLetters(sessionEventsDeadLetters, deadLetterPublisher,
                new Retry(roomWorkerTimers));
        SessionJobs jobs = new SessionJobs(setup, teardown, registry, repeats, deadLetters, properties.maxInFlight(),
                properties.teardown().maxQueued());
        Gauge.builder("room.jobs.in_flight", jobs, SessionJobs::setupsInFlight).tag("kind", "setup").register(meters);
        Gauge.builder("room.jobs.in_flight", jobs, SessionJobs::teardownsInFlight).tag("kind", "teardown")
                .register(meters);
        return jobs;
    }

    /** The partitions of {@code session-events} this worker owns; their share is its share of Daily's budget. */
    @Bean
    PartitionOwnership partitionOwnership(SessionTopics topics, TopicsProperties topicsProperties, DailyBudget budget,
                                          Clock clock) {
        return new PartitionOwnership(topics.events().name(), topicsProperties.partitions(), budget::setShare, clock);
    }

    @Bean
    RoomReconciler roomReconciler(DailyApi daily, SessionRegistry registry, RoomAssignments roomAssignments,
                                  PartitionOwnership ownership, RoomProperties properties, MeterRegistry meters,
                                  SessionTeardown teardown, RoomPool roomPool, Clock clock) {
        return new RoomReconciler(daily, registry, roomAssignments, ownership, properties, meters,
                name -> teardown.isDeleting(name) || roomPool.holds(name), clock);
    }

    /** A reconciliation pass every {@code room.reconcile-interval}, the first one interval after the start. */
    @Bean
    PeriodicWork roomReconciliation(RoomReconciler reconciler, TaskScheduler taskScheduler, RoomProperties properties,
                                    Clock clock) {
        Duration interval = properties.reconcileInterval();
        return new PeriodicWork("room reconciliation", taskScheduler, clock, interval, interval, Phases.PERIODIC,
                reconciler::pass);
    }
}
