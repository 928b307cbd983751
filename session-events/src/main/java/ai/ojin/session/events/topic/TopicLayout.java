package ai.ojin.session.events.topic;

/**
 * Partition counts and replication. {@code replyPartitions} bounds how many connect-api
 * instances can each read a partition of their own.
 */
public record TopicLayout(int partitions, int replyPartitions, short replicationFactor) {

    public static final TopicLayout LOCAL = new TopicLayout(3, 4, (short) 1);

    public TopicLayout {
        if (partitions < 1 || replyPartitions < 1 || replicationFactor < 1) {
            throw new IllegalArgumentException("partitions and replication must be positive");
        }
    }
}
