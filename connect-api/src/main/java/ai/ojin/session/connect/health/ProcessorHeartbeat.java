package ai.ojin.session.connect.health;

import ai.ojin.session.events.command.Heartbeat;
import ai.ojin.session.events.command.SessionCommand;
import ai.ojin.session.events.reply.SessionReply;
import ai.ojin.session.events.topic.SessionTopics;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.function.IntSupplier;
import org.apache.kafka.common.PartitionInfo;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.kafka.core.KafkaTemplate;

/**
 * Readiness "processor": every {@code interval}, a {@link Heartbeat} goes to each partition of
 * {@code session-commands}, and the processor answers it on a reply partition this instance reads. UP
 * while every partition has answered within {@code staleAfter}; DOWN before the first answers and
 * whenever the processor (or the task of some partition) does not run, so that a load balancer
 * stops sending connects that could only time out. Heartbeats write no fact and take no slot.
 * A zero interval turns the heartbeat off (always UP). {@link #beat()} is run every interval by a
 * {@code PeriodicWork}.
 */
public class ProcessorHeartbeat implements HealthIndicator {

    private static final Logger log = LoggerFactory.getLogger(ProcessorHeartbeat.class);

    private final KafkaTemplate<String, SessionCommand> template;
    private final String topic;
    private final IntSupplier replyPartition;
    private final Duration interval;
    private final Duration staleAfter;
    private final Clock clock;
    private final String idPrefix = Heartbeat.ID_PREFIX + UUID.randomUUID() + "-";
    private final ConcurrentMap<Integer, Instant> answeredAt = new ConcurrentHashMap<>();
    private volatile int partitions;

    public ProcessorHeartbeat(KafkaTemplate<String, SessionCommand> template, SessionTopics topics, IntSupplier replyPartition,
            Duration interval, Duration staleAfter, Clock clock) {
        this.template = template;
        this.topic = topics.commands().name();
        this.replyPartition = replyPartition;
        this.interval = interval;
        this.staleAfter = staleAfter;
        this.clock = clock;
    }

    /** Takes a reply when it answers a heartbeat (of this instance or, after a restart, an earlier one). */
    public boolean accept(SessionReply reply) {
        String id = reply.sessionId();
        if (id == null || !id.startsWith(Heartbeat.ID_PREFIX)) {
            return false;
        }
        if (id.startsWith(idPrefix)) {
            try {
                answeredAt.put(Integer.parseInt(id.substring(idPrefix.length(), id.indexOf('-', idPrefix.length()))),
                        clock.instant());
            } catch (RuntimeException e) {
                log.warn("Malformed heartbeat answer {}", id);
            }
        }
        return true;
    }

    /** Sends a heartbeat to every partition of {@code session-commands}. */
    public void beat() {
        try {
            int partition = replyPartition.getAsInt();
            if (partition < 0) {
                return; // no reply partition yet: readiness is DOWN anyway
            }
            var infos = template.partitionsFor(topic);
            partitions = infos.size();
            Instant now = clock.instant();
            for (PartitionInfo info : infos) {
                String id = idPrefix + info.partition() + "-" + now.toEpochMilli();
                template.send(topic, info.partition(), "~heartbeat", new Heartbeat(id, "~heartbeat", now, partition));
            }
        } catch (RuntimeException e) {
            log.warn("Could not send processor heartbeats: {}", e.toString());
        }
    }

    @Override
    public Health health() {
        if (off()) {
            return Health.up().withDetail("heartbeat", "off").build();
        }
        Instant now = clock.instant();
        int count = partitions;
        Map<Integer, String> stale = new TreeMap<>();
        for (int p = 0; p < count; p++) {
            Instant at = answeredAt.get(p);
            if (at == null || at.plus(staleAfter).isBefore(now)) {
                stale.put(p, at == null ? "no answer yet" : "last answer " + at);
            }
        }
        if (count > 0 && stale.isEmpty()) {
            return Health.up().withDetail("partitions", count).build();
        }
        return Health.down().withDetail("reason", "the session processor does not answer")
                .withDetail("partitions_not_answering", count == 0 ? "unknown" : stale).build();
    }

    private boolean off() {
        return interval.isZero() || interval.isNegative();
    }
}
