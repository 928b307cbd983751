package ai.ojin.session.connect.config;

import ai.ojin.session.events.topic.TopicsProperties;
import java.net.InetAddress;
import java.net.UnknownHostException;

/**
 * Who this instance is on the reply path: its id (named in every request, echoed in the reply)
 * and the consumer group that keeps its reply position ({@code <topic prefix>connect-api-replies-<id>}).
 * The id is {@code connect.instance-id}, or {@code <host name>/p<reply partition>} when that is
 * empty: unique per host and partition, and the same after a restart on the same host.
 */
public record ReplyInstance(String id, String consumerGroup) {

    static ReplyInstance of(ConnectProperties properties, TopicsProperties topics) {
        String id = properties.instanceId().isBlank()
                ? hostName() + "/p" + properties.replyPartition()
                : properties.instanceId().trim();
        return new ReplyInstance(id, topics.prefix() + "connect-api-replies-" + id);
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
