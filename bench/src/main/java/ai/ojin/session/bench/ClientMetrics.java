package ai.ojin.session.bench;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadInfo;
import java.lang.management.ThreadMXBean;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import javax.management.AttributeNotFoundException;
import javax.management.MBeanServer;
import javax.management.ObjectName;

/**
 * Prints the Kafka client metrics that say where the time goes (stream thread ratios and commit
 * latency, producer request latency, consumer fetch latency and lag) from the JMX beans of the
 * clients in this JVM. Only meaningful for the in-process stack; values are the clients' own
 * windowed averages (about the last 30 to 60 s).
 */
final class ClientMetrics {

    private static final List<String[]> WANTED = List.of(
            new String[] {"kafka.streams:type=stream-thread-metrics,*", "process-rate", "process-ratio", "commit-rate",
                    "commit-ratio", "commit-latency-avg", "commit-latency-max", "poll-ratio", "poll-latency-avg",
                    "punctuate-ratio"},
            new String[] {"kafka.producer:type=producer-metrics,*", "record-send-rate", "request-latency-avg",
                    "request-latency-max", "records-per-request-avg", "txn-commit-time-ns-total",
                    "txn-send-offsets-time-ns-total", "flush-time-ns-total"},
            new String[] {"kafka.consumer:type=consumer-fetch-manager-metrics,*", "records-consumed-rate",
                    "fetch-latency-avg", "records-lag-max", "records-per-request-avg"});

    private ClientMetrics() {
    }

    /** CPU time used so far by the threads of this JVM, summed by name with numbers removed. */
    static void printCpuByThreadGroup() {
        ThreadMXBean threads = ManagementFactory.getThreadMXBean();
        Map<String, Long> byGroup = new HashMap<>();
        for (long id : threads.getAllThreadIds()) {
            ThreadInfo info = threads.getThreadInfo(id);
            long cpu = threads.getThreadCpuTime(id);
            if (info != null && cpu > 0) {
                String group = info.getThreadName().replaceAll("[0-9a-f]{8}-[0-9a-f-]{27}", "").replaceAll("\\d+", "N");
                byGroup.merge(group, cpu, Long::sum);
            }
        }
        byGroup.entrySet().stream().sorted(Map.Entry.<String, Long>comparingByValue().reversed()).limit(15)
                .forEach(e -> System.out.printf(Locale.ROOT, "cpu %8.1f s  %s%n", e.getValue() / 1e9, e.getKey()));
    }

    static void print() {
        MBeanServer server = ManagementFactory.getPlatformMBeanServer();
        for (String[] wanted : WANTED) {
            try {
                Set<ObjectName> names = new TreeSet<>(server.queryNames(new ObjectName(wanted[0]), null));
                for (ObjectName name : names) {
                    if (name.getKeyProperty("topic") != null || name.getKeyProperty("partition") != null) {
                        continue;
                    }
                    StringBuilder line = new StringBuilder(name.getKeyProperty("type")).append(' ')
                            .append(name.getKeyProperty(name.getKeyProperty("thread-id") != null ? "thread-id" : "client-id"))
                            .append(':');
                    for (int i = 1; i < wanted.length; i++) {
                        try {
                            Object value = server.getAttribute(name, wanted[i]);
                            line.append(String.format(Locale.ROOT, " %s=%.2f", wanted[i], ((Number) value).doubleValue()));
                        } catch (AttributeNotFoundException e) {
                            line.append(' ').append(wanted[i]).append("=?");
                        }
                    }
                    System.out.println(line);
                }
            } catch (Exception e) {
                System.out.println("metrics " + wanted[0] + ": " + e);
            }
        }
    }
}
