import java.lang.management.ManagementFactory;
import javax.management.remote.JMXConnectorFactory;
import javax.management.remote.JMXServiceURL;

/** Prints each live thread's allocated bytes so far ("id TAB bytes TAB name" per line), read over JMX from port 19999. */
public class ThreadAlloc {
    public static void main(String[] args) throws Exception {
        try (var connector = JMXConnectorFactory.connect(new JMXServiceURL("service:jmx:rmi:///jndi/rmi://localhost:19999/jmxrmi"))) {
            var threads = ManagementFactory.newPlatformMXBeanProxy(connector.getMBeanServerConnection(),
                    ManagementFactory.THREAD_MXBEAN_NAME, com.sun.management.ThreadMXBean.class);
            long[] ids = threads.getAllThreadIds();
            long[] bytes = threads.getThreadAllocatedBytes(ids);
            var infos = threads.getThreadInfo(ids);
            for (int i = 0; i < ids.length; i++) {
                if (infos[i] != null && bytes[i] >= 0) {
                    System.out.println(ids[i] + "\t" + bytes[i] + "\t" + infos[i].getThreadName());
                }
            }
        }
    }
}
