import java.util.Map;
import java.util.TreeMap;
import javax.management.MBeanServerConnection;
import javax.management.ObjectName;
import javax.management.remote.JMXConnectorFactory;
import javax.management.remote.JMXServiceURL;

/** Prints the broker's request counters per request type ("Produce=123 Fetch=45 ..."), read over JMX from port 19999. */
public class BrokerRequests {
    public static void main(String[] args) throws Exception {
        try (var connector = JMXConnectorFactory.connect(new JMXServiceURL("service:jmx:rmi:///jndi/rmi://localhost:19999/jmxrmi"))) {
            MBeanServerConnection c = connector.getMBeanServerConnection();
            Map<String, Long> counts = new TreeMap<>();
            for (ObjectName n : c.queryNames(new ObjectName("kafka.network:type=RequestMetrics,name=RequestsPerSec,*"), null)) {
                counts.merge(n.getKeyProperty("request"), ((Number) c.getAttribute(n, "Count")).longValue(), Long::sum);
            }
            StringBuilder line = new StringBuilder();
            counts.forEach((request, count) -> line.append(request).append('=').append(count).append(' '));
            System.out.println(line.toString().trim());
        }
    }
}
