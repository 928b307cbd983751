package ai.ojin.session.support.config;

import java.net.InetAddress;
import java.net.UnknownHostException;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * {@code session.instance.id} ({@code INSTANCE_ID}), bound by every service: who this instance is.
 * It names the instance's member in each consumer group ({@code group.instance.id}, static
 * membership), so that an instance restarted after a crash gets its partitions back at once
 * instead of after the group's session timeout. Blank means the host name (a pod's name in
 * Kubernetes), so it must be stable per instance and unique within a deployment.
 *
 * @param id this instance's name in its consumer groups (static membership: an instance restarted
 *     after a crash gets its partitions back at once); stable per instance, unique in a deployment.
 *     Empty: the host name (a pod's name); standalone makes one once and keeps it in
 *     {@code DATA_DIR/instance-id}
 */
@ConfigurationProperties("session.instance")
public record InstanceProperties(@DefaultValue("") String id) {

    /** The configured id, or the host name. */
    public String resolved() {
        if (id != null && !id.isBlank()) {
            return id.trim();
        }
        String host = System.getenv("HOSTNAME");
        if (host != null && !host.isBlank()) {
            return host.trim();
        }
        try {
            return InetAddress.getLocalHost().getHostName();
        } catch (UnknownHostException e) {
            throw new IllegalStateException("no INSTANCE_ID set and no host name to use instead", e);
        }
    }

    /** The {@code group.instance.id} of this instance's member of {@code service}'s group. */
    public String member(String service) {
        return resolved() + "-" + service;
    }
}
