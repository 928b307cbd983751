package ai.ojin.session.bench;

import ai.ojin.session.events.fact.SessionAdmitted;
import ai.ojin.session.events.fact.SessionEvent;
import ai.ojin.session.events.fact.SessionRequested;
import ai.ojin.session.events.fact.SessionStarted;
import ai.ojin.session.events.topic.SessionTopics;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import org.HdrHistogram.Histogram;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;

/**
 * Where the time of a connect goes, read back from the audit log: request (connect-api clock) to
 * the processor's decision, and decision to the worker's mark-started as recorded by the processor.
 * {@code bench/run.sh StageTimes localhost:9092 [agent-id-prefix]}
 */
public final class StageTimes {

    private StageTimes() {
    }

    public static void main(String[] args) {
        String bootstrap = args.length > 0 ? args[0] : "127.0.0.1:9092";
        String prefix = args.length > 1 ? args[1] : "";
        var topic = SessionTopics.DEFAULT.events();
        Map<String, Instant> requested = new HashMap<>();
        Map<String, Instant> admitted = new HashMap<>();
        Histogram toDecision = new Histogram(3);
        Histogram toStarted = new Histogram(3);
        try (var consumer = new KafkaConsumer<>(Map.<String, Object>of(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
                ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed"), topic.keySerde().deserializer(),
                topic.valueSerde().deserializer())) {
            var partitions = consumer.partitionsFor(topic.name()).stream().map(p -> new TopicPartition(topic.name(), p.partition())).toList();
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            var end = consumer.endOffsets(partitions);
            while (partitions.stream().anyMatch(p -> consumer.position(p) < end.get(p))) {
                for (var record : consumer.poll(Duration.ofMillis(200))) {
                    SessionEvent event = record.value();
                    if (event == null || !event.agentId().startsWith(prefix)) {
                        continue;
                    }
                    if (event instanceof SessionRequested r) {
                        requested.put(r.sessionId(), r.requestedAt());
                    } else if (event instanceof SessionAdmitted a) {
                        admitted.put(a.sessionId(), a.at());
                        Instant req = requested.get(a.sessionId());
                        if (req != null) {
                            toDecision.recordValue(Math.max(0, Duration.between(req, a.at()).toMillis()));
                        }
                    } else if (event instanceof SessionStarted s && admitted.containsKey(s.sessionId())) {
                        toStarted.recordValue(Math.max(0, Duration.between(admitted.get(s.sessionId()), s.at()).toMillis()));
                    }
                }
            }
        }
        print("request -> admitted (connect-api + processor)", toDecision);
        print("admitted -> started (worker + processor)", toStarted);
    }

    private static void print(String stage, Histogram h) {
        System.out.printf(Locale.ROOT, "%-48s n=%d p50=%d ms p90=%d ms p99=%d ms max=%d ms%n", stage, h.getTotalCount(),
                h.getValueAtPercentile(50), h.getValueAtPercentile(90), h.getValueAtPercentile(99), h.getMaxValue());
    }
}
