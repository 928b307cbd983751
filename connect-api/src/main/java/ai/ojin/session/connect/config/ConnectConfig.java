package ai.ojin.session.connect.config;

import ai.ojin.session.support.schedule.Phases;
import ai.ojin.session.connect.agent.AgentCatalog;
import ai.ojin.session.connect.client.ClientRateLimit;
import ai.ojin.session.connect.health.ProcessorHeartbeat;
import ai.ojin.session.connect.reply.AnsweredSessions;
import ai.ojin.session.connect.reply.CommandReplies;
import ai.ojin.session.connect.reply.UnclaimedReplies;
import ai.ojin.session.connect.reply.PendingReplies;
import ai.ojin.session.connect.reply.RejectionListener;
import ai.ojin.session.connect.reply.ReplyListener;
import ai.ojin.session.connect.session.ConnectService;
import ai.ojin.session.events.agent.Agent;
import ai.ojin.session.events.command.SessionCommand;
import ai.ojin.session.support.config.InstanceProperties;
import ai.ojin.session.events.topic.SessionTopics;
import ai.ojin.session.support.config.TopicsProperties;
import ai.ojin.session.connect.web.ClientWatch;
import ai.ojin.session.connect.web.ThreadWait;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import ai.ojin.session.support.schedule.PeriodicWork;
import java.time.Clock;
import java.time.Duration;
import org.springframework.core.task.TaskRejectedException;
import org.springframework.scheduling.TaskScheduler;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.kafka.core.KafkaTemplate;
import org.springframework.kafka.support.SendResult;

/** The connect flow's parts: catalog view, reply correlation, and the readiness they report. */
@Configuration(proxyBeanMethods = false)
public class ConnectConfig {

    /** Answered sessions remembered at most (a few MB), beside the retention. */
    private static final int ANSWERED_CAPACITY = 200_000;
    /** Client addresses whose connect rate is tracked at most (the least recently seen are forgotten). */
    private static final int CLIENTS_TRACKED = 100_000;

    @Bean
    ClientRateLimit clientRateLimit(ConnectProperties properties) {
        return new ClientRateLimit(properties.clientRate(), properties.clientBurst(), CLIENTS_TRACKED, System::nanoTime);
    }

    @Bean
    AgentCatalog agentCatalog(SessionTopics topics, KafkaConfig.ConsumerSource consumers, KafkaTemplate<String, Agent> agentTemplate,
                              ConnectProperties properties, MeterRegistry meters) {
        String topic = topics.agents().name();
        AgentCatalog catalog = new AgentCatalog(topic, consumers.forTopic(topics.agents()),
                (agentId, agent) -> agentTemplate.send(topic, agentId, agent).thenApply(SendResult::getRecordMetadata),
                properties.adminWriteTimeout());
        Gauge.builder("connect.agents", catalog, AgentCatalog::size).description("Agents in the local catalog view").register(meters);
        return catalog;
    }

    @Bean
    PendingReplies pendingReplies(MeterRegistry meters) {
        PendingReplies pending = new PendingReplies();
        Gauge.builder("connect.replies.pending", pending, PendingReplies::size).description("Requests waiting for their reply")
                .register(meters);
        return pending;
    }

    @Bean
    ReplyInstance replyInstance(ConnectProperties properties, TopicsProperties topics, InstanceProperties instance) {
        return ReplyInstance.of(properties, topics, instance);
    }

    /**
     * Committed replies (read_committed). A success nobody waits for, including a session admitted
     * after its caller got an early rejection (one that was then aborted), goes to
     * {@link UnclaimedReplies}, which releases it as abandoned when this instance asked for it.
     */
    @Bean
    ReplyListener replyListener(SessionTopics topics, KafkaConfig.ConsumerSource consumers, PendingReplies pending,
            UnclaimedReplies unclaimed, ConnectProperties properties, ReplyInstance instance, MeterRegistry meters,
            ProcessorHeartbeat processorHealthIndicator) {
        KafkaConfig.ConsumerSource source = properties.replyPartitionsFromGroup()
                ? consumers.asMember(instance.consumerGroup(), instance.memberId())
                : consumers.inGroup(instance.consumerGroup());
        return new ReplyListener(topics.replies().name(),
                properties.replyPartitionsFromGroup() ? ReplyListener.FROM_GROUP : properties.replyPartition(),
                source.forTopic(topics.replies()), pending, unclaimed, meters, processorHealthIndicator::accept);
    }

    /** Readiness "processor": DOWN while the session processor does not answer heartbeats. */
    @Bean
    ProcessorHeartbeat processorHealthIndicator(KafkaTemplate<String, SessionCommand> commandTemplate, SessionTopics topics,
            ConnectProperties properties, PendingReplies pending, Clock clock) {
        return new ProcessorHeartbeat(commandTemplate, topics, pending::anyOwned, properties.heartbeatInterval(),
                properties.heartbeatStaleAfter(), clock);
    }

    /**
     * The heartbeats, from the start on; phase 1: after the reply listener (phase 0), which reads the
     * answers. And one at once whenever reply partitions are assigned: the answers can reach this
     * instance from then on, so readiness need not wait for the next interval.
     */
    @Bean
    PeriodicWork processorHeartbeats(ProcessorHeartbeat heartbeat, TaskScheduler taskScheduler, ConnectProperties properties,
            PendingReplies pending, Clock clock) {
        PeriodicWork heartbeats = new PeriodicWork("processor heartbeat", taskScheduler, clock, Duration.ZERO,
                properties.heartbeatInterval(), Phases.AFTER_READERS, heartbeat::beat);
        if (!heartbeats.off()) {
            pending.whenAssigned(() -> {
                try {
                    taskScheduler.schedule(heartbeat::beat, clock.instant());
                } catch (TaskRejectedException stopping) {
                    // the application is stopping: no readiness to earn any more
                }
            });
        }
        return heartbeats;
    }

    /** How long the connect and end-session handlers await an answer on the request's own thread. */
    @Bean
    ThreadWait threadWait(ConnectProperties properties) {
        return new ThreadWait(properties.threadWait());
    }

    /** Rejections as soon as they are written (read_uncommitted), before the processor's commit; unless turned off. */
    @Bean
    @ConditionalOnBooleanProperty(name = "connect.early-rejections", matchIfMissing = true)
    RejectionListener rejectionListener(SessionTopics topics, KafkaConfig.ConsumerSource consumers,
            PendingReplies pending, ConnectProperties properties, MeterRegistry meters) {
        return new RejectionListener(topics.replies().name(),
                properties.replyPartitionsFromGroup() ? ReplyListener.FROM_GROUP : properties.replyPartition(),
                consumers.forTopicUncommitted(topics.replies()), pending, meters);
    }

    @Bean
    CommandReplies commandReplies(KafkaTemplate<String, SessionCommand> commandTemplate, SessionTopics topics,
            PendingReplies pending, ConnectProperties properties, ReplyInstance instance, Clock clock) {
        return new CommandReplies(commandTemplate, topics, pending, instance.id(),
                properties.replyTimeout(), clock);
    }

    @Bean
    UnclaimedReplies unclaimedReplies(ReplyInstance instance, CommandReplies commands, ConnectProperties properties,
            MeterRegistry meters, Clock clock) {
        AnsweredSessions answered = new AnsweredSessions(properties.answeredRetention(), ANSWERED_CAPACITY, clock);
        Gauge.builder("connect.replies.answered", answered, AnsweredSessions::size)
                .description("Sessions recently answered or released by this instance").register(meters);
        return new UnclaimedReplies(instance.id(), answered, commands, meters, clock);
    }

    @Bean
    ConnectService connectService(AgentCatalog catalog, CommandReplies commands, UnclaimedReplies unclaimed, Clock clock,
            ConnectProperties properties, MeterRegistry meters) {
        ConnectService service = new ConnectService(catalog, commands, unclaimed, clock, properties.idempotencyWindow(),
                properties.maxInFlight());
        Gauge.builder("connect.in_flight", service, ConnectService::inFlight)
                .description("Connect requests waiting for the pipeline (at most connect.max-in-flight)").register(meters);
        Gauge.builder("connect.keyed.in_flight", service, ConnectService::keyedInFlight)
                .description("Connects with an Idempotency-Key in flight (each shared by the connects with that key)").register(meters);
        FunctionCounter.builder("connect.keyed.joined", service, ConnectService::joinedCount)
                .description("Connects that shared the request in flight of an earlier one with the same key").register(meters);
        return service;
    }

    /** Watches the clients of held connects; a client that went away stops its wait. */
    @Bean
    ClientWatch clientWatch(MeterRegistry meters) {
        ClientWatch watch = new ClientWatch();
        Gauge.builder("connect.clients.watched", watch, ClientWatch::size).description("Held connects whose client is watched")
                .register(meters);
        FunctionCounter.builder("connect.clients.gone", watch, ClientWatch::goneCount)
                .description("Held connects whose client went away").register(meters);
        return watch;
    }

    /** The client checks; phase: with the other periodic work. */
    @Bean
    PeriodicWork clientChecks(ClientWatch watch, TaskScheduler taskScheduler, ConnectProperties properties, Clock clock) {
        return new PeriodicWork("client check", taskScheduler, clock, properties.clientCheckInterval(),
                properties.clientCheckInterval(), Phases.PERIODIC, watch::checkAll);
    }

    /** Part of the readiness group: DOWN until the catalog view has caught up, and while its reader is down. */
    @Bean
    HealthIndicator agentCatalogHealthIndicator(AgentCatalog catalog) {
        return () -> {
            if (!catalog.isReading()) {
                return Health.down().withDetail("reason", "the agents reader failed and is starting over").build();
            }
            return catalog.caughtUp()
                    ? Health.up().withDetail("agents", catalog.size()).build()
                    : Health.down().withDetail("reason", "catching up with the agents topic").build();
        };
    }

    /** Part of the readiness group: DOWN unless this instance reads at least one reply partition. */
    @Bean
    HealthIndicator replyListenerHealthIndicator(ReplyListener listener, ReplyInstance instance) {
        return () -> (listener.isServing() ? Health.up() : Health.down())
                .withDetail("reply_partitions", listener.ownedPartitions())
                .withDetail("instance_id", instance.id()).build();
    }
}
