package ai.ojin.session.events.topic;

import ai.ojin.session.events.agent.Agent;
import ai.ojin.session.events.command.SessionCommand;
import ai.ojin.session.events.fact.SessionEvent;
import ai.ojin.session.events.history.CallRecord;
import ai.ojin.session.events.json.JsonSerde;
import ai.ojin.session.events.reply.SessionReply;
import ai.ojin.session.events.room.RoomAssignment;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.serialization.Serdes;

/**
 * Every topic of the system. A prefix (empty in production) lets tests share one broker without
 * seeing each other's records. {@code agents}, {@code session-commands} and {@code session-events}
 * are keyed by agent id and must have the same partition count (co-partitioned).
 */
public record SessionTopics(
        Topic<String, Agent> agents,
        Topic<String, SessionCommand> commands,
        Topic<String, SessionEvent> events,
        Topic<String, SessionReply> replies,
        Topic<String, CallRecord> callHistory,
        Topic<String, RoomAssignment> roomAssignments) {

    public static final SessionTopics DEFAULT = withPrefix("");

    /** How long {@code session-replies} keeps a record: meeting tokens are on it. */
    public static final long REPLIES_RETENTION_MS = 3600L * 1000;
    /**
     * How long a segment of {@code session-replies} stays open. Retention deletes whole closed
     * segments only, so a token leaves the disk at most retention + this after it was written.
     */
    public static final long REPLIES_SEGMENT_MS = 10L * 60 * 1000;

    /**
     * The one dead-letter naming of every service: {@code <source topic>.<service>.dlt}, e.g.
     * {@code session-events.call-history-sink.dlt}. Each service that gives up on records of a
     * topic has its own, so a replay reaches only the service that failed.
     */
    public static String deadLetterTopic(String sourceTopic, String service) {
        return sourceTopic + "." + service + ".dlt";
    }

    public static SessionTopics withPrefix(String prefix) {
        String p = prefix == null ? "" : prefix;
        return new SessionTopics(
                new Topic<>(p + "agents", Serdes.String(), new JsonSerde<>(Agent.class)),
                new Topic<>(p + "session-commands", Serdes.String(), new JsonSerde<>(SessionCommand.class)),
                new Topic<>(p + "session-events", Serdes.String(), new JsonSerde<>(SessionEvent.class)),
                new Topic<>(p + "session-replies", Serdes.String(), new JsonSerde<>(SessionReply.class)),
                new Topic<>(p + "call-history", Serdes.String(), new JsonSerde<>(CallRecord.class)),
                new Topic<>(p + "room-assignments", Serdes.String(), new JsonSerde<>(RoomAssignment.class)));
    }

    /**
     * The topics with their settings: {@code agents} compacted, facts and call history kept
     * forever (they are the audit trail), replies (which carry meeting tokens) kept one hour in
     * segments of ten minutes, so that a token is deleted from disk within about 70 minutes,
     * room assignments (key session id, the worker's session -> room map) compacted.
     */
    public List<NewTopic> newTopics(TopicLayout layout) {
        short rf = layout.replicationFactor();
        return List.of(
                new NewTopic(agents.name(), layout.partitions(), rf)
                        .configs(Map.of(TopicConfig.CLEANUP_POLICY_CONFIG, TopicConfig.CLEANUP_POLICY_COMPACT)),
                new NewTopic(commands.name(), layout.partitions(), rf)
                        .configs(Map.of(TopicConfig.RETENTION_MS_CONFIG, String.valueOf(7L * 24 * 3600 * 1000))),
                new NewTopic(events.name(), layout.partitions(), rf)
                        .configs(Map.of(TopicConfig.RETENTION_MS_CONFIG, "-1")),
                new NewTopic(replies.name(), layout.replyPartitions(), rf)
                        .configs(Map.of(TopicConfig.RETENTION_MS_CONFIG, String.valueOf(REPLIES_RETENTION_MS),
                                TopicConfig.SEGMENT_MS_CONFIG, String.valueOf(REPLIES_SEGMENT_MS))),
                new NewTopic(callHistory.name(), layout.partitions(), rf)
                        .configs(Map.of(TopicConfig.RETENTION_MS_CONFIG, "-1")),
                new NewTopic(roomAssignments.name(), layout.partitions(), rf)
                        .configs(Map.of(TopicConfig.CLEANUP_POLICY_CONFIG, TopicConfig.CLEANUP_POLICY_COMPACT)));
    }
}
