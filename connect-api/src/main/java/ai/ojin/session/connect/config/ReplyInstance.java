package ai.ojin.session.connect.config;

import ai.ojin.session.support.config.InstanceProperties;
import ai.ojin.session.support.config.TopicsProperties;
import java.net.InetAddress;
import java.net.UnknownHostException;

/**
 * Who this instance is on the reply path: its id (named in every request, echoed in the reply, and
 * its static member id in the reply group) and the consumer group that keeps its reply position.
 * <ul>
 *   <li>Partitions from group membership (default): the id is {@code connect.instance-id}, else
 *       {@code session.instance.id} ({@code INSTANCE_ID}, else the host name); the group
 *       {@code <topic prefix>connect-api-replies} is shared by all instances.</li>
 *   <li>Partition by hand ({@code connect.reply-partition}): the id is {@code connect.instance-id},
 *       else {@code <host name>/p<reply partition>}; the group
 *       {@code <topic prefix>connect-api-replies-<id>} is this instance's alone.</li>
 * </ul>
 */
public record ReplyInstance(String id, String consumerGroup) {

    static ReplyInstance of(ConnectProperties properties, TopicsProperties topics, InstanceProperties instance) {
        String group = topics.prefix() + "connect-api-replies";
        if (properties.replyPartitionsFromGroup()) {
            String id = properties.instanceId().isBlank() ? instance.resolved() : properties.instanceId().trim();
            return new ReplyInstance(id, group);
        }
        String id = properties.instanceId().isBlank()
                ? hostName() + "/p" + properties.replyPartition()
                : properties.instanceId().trim();
        return new ReplyInstance(id, group + "-" + id);
    }

    /** The static member id ({@code group.instance.id}) in the shared reply group. */
    public String memberId() {
        return id + "-connect-api";
    }

    private static String hostName() {
        String env = System.getenv("HOSTNAME");
        if (env != null && !env.isBlank()) {
            return env.trim();
        }
        try {
            return InetAddress.getLocalHost().getHostName();
        } catch (UnknownHostException e) {
            return "localhost";
        }
    }
}
