package ai.ojin.session.connect.config;

import ai.ojin.session.connect.agent.AgentCatalog;
import ai.ojin.session.connect.agent.AgentWriter;
import ai.ojin.session.connect.reply.CommandReplies;
import ai.ojin.session.connect.reply.PendingReplies;
import ai.ojin.session.connect.reply.RejectionListener;
import ai.ojin.session.connect.reply.ReplyListener;
import ai.ojin.session.connect.session.ConnectService;
import ai.ojin.session.events.SessionIds;
import ai.ojin.session.events.agent.Agent;
import ai.ojin.session.events.command.EndReason;
import ai.ojin.session.events.command.ReleaseSession;
import ai.ojin.session.events.command.SessionCommand;
import ai.ojin.session.events.topic.SessionTopics;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Clock;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.kafka.core.KafkaTemplate;

/** The connect flow's parts: catalog view, reply correlation, and the readiness they report. */
@Configuration(proxyBeanMethods = false)
public class ConnectConfig {

    @Bean
    Clock clock() {
        return Clock.systemUTC();
    }

    @Bean
    AgentCatalog agentCatalog(SessionTopics topics, KafkaConfig.ConsumerSource consumers, MeterRegistry meters) {
        AgentCatalog catalog = new AgentCatalog(topics.agents().name(), consumers.forTopic(topics.agents()));
        Gauge.builder("connect.agents", catalog, AgentCatalog::size).description("Agents in the local catalog view").register(meters);
        return catalog;
    }

    @Bean
    AgentWriter agentWriter(KafkaTemplate<String, Agent> agentTemplate, SessionTopics topics, AgentCatalog catalog,
            ConnectProperties properties) {
        return new AgentWriter(agentTemplate, topics, catalog, properties.adminWriteTimeout());
    }

    @Bean
    PendingReplies pendingReplies(MeterRegistry meters) {
        PendingReplies pending = new PendingReplies();
        Gauge.builder("connect.replies.pending", pending, PendingReplies::size).description("Requests waiting for their reply")
                .register(meters);
        return pending;
    }

    /**
     * Committed replies (read_committed). A session admitted after its caller got an early rejection
     * (one that was then aborted) is released as abandoned: nobody will join it.
     */
    @Bean
    ReplyListener replyListener(SessionTopics topics, KafkaConfig.ConsumerSource consumers, PendingReplies pending,
            ConnectProperties properties, MeterRegistry meters, KafkaTemplate<String, SessionCommand> commandTemplate,
            Clock clock) {
        return new ReplyListener(topics.replies().name(), properties.replyPartition(), consumers.forTopic(topics.replies()),
                pending, meters, reply -> SessionIds.agentOf(reply.sessionId()).ifPresent(agentId ->
                        commandTemplate.send(topics.commands().name(), agentId, new ReleaseSession(reply.sessionId(),
                                agentId, EndReason.ABANDONED, clock.instant()))));
    }

    /** Rejections as soon as they are written (read_uncommitted), before the processor's commit. */
    @Bean
    RejectionListener rejectionListener(SessionTopics topics, KafkaConfig.ConsumerSource consumers,
            PendingReplies pending, ConnectProperties properties, MeterRegistry meters) {
        return new RejectionListener(topics.replies().name(), properties.replyPartition(),
                consumers.forTopicUncommitted(topics.replies()), pending, meters);
    }

    @Bean
    CommandReplies commandReplies(KafkaTemplate<String, SessionCommand> commandTemplate, SessionTopics topics,
            PendingReplies pending, ConnectProperties properties, Clock clock) {
        return new CommandReplies(commandTemplate, topics, pending, properties.replyPartition(), properties.replyTimeout(), clock);
    }

    @Bean
    ConnectService connectService(AgentCatalog catalog, CommandReplies commands, Clock clock) {
        return new ConnectService(catalog, commands, clock);
    }

    /** Part of the readiness group: DOWN until the catalog view has caught up. */
    @Bean
    HealthIndicator agentCatalogHealthIndicator(AgentCatalog catalog) {
        return () -> catalog.caughtUp()
                ? Health.up().withDetail("agents", catalog.size()).build()
                : Health.down().withDetail("reason", "catching up with the agents topic").build();
    }

    /** Part of the readiness group: DOWN unless this instance reads its reply partition. */
    @Bean
    HealthIndicator replyListenerHealthIndicator(ReplyListener listener, ConnectProperties properties) {
        return () -> (listener.isRunning() ? Health.up() : Health.down())
                .withDetail("reply_partition", properties.replyPartition()).build();
    }
}
