package ai.ojin.session.testkit;

import java.io.BufferedReader;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Ports for a server that binds them later: a jar started as a process with its ports in its
 * environment, an instance started again on the port of the one that was killed.
 *
 * <p>A port from {@code new ServerSocket(0)} comes from the kernel's ephemeral range, where every
 * outgoing connection of every process on the machine also takes its local port. Between the pick
 * and the bind (a minute for a jar that starts beside other test JVMs) a Kafka or HTTP client
 * anywhere on the machine can take it; CI saw exactly that ("Port 34753 is already in use" when
 * the shipped jar's third service started 80 s after the pick). These ports come from below the
 * ephemeral range, where only a server that asks for the port binds it.
 */
public final class FreePorts {

    private static final Path EPHEMERAL_RANGE = Path.of("/proc/sys/net/ipv4/ip_local_port_range");
    /** Linux's default start of the range (macOS and Windows start at 49152). */
    private static final int DEFAULT_EPHEMERAL_LOW = 32_768;
    private static final int LOWEST = 10_000;
    private static final Set<Integer> HANDED_OUT = ConcurrentHashMap.newKeySet();

    private FreePorts() {
    }

    /** A port below the ephemeral range that can be bound on the loopback address now, never handed out twice by this JVM. */
    public static int outsideEphemeralRange() {
        int highest = ephemeralLow() - 1;
        if (highest <= LOWEST) {
            throw new IllegalStateException("The ephemeral port range starts at " + (highest + 1) + ": no room below it");
        }
        for (int attempt = 0; attempt < 200; attempt++) {
            int port = ThreadLocalRandom.current().nextInt(LOWEST, highest + 1);
            if (bindable(port) && HANDED_OUT.add(port)) {
                return port;
            }
        }
        throw new IllegalStateException("No free port found between " + LOWEST + " and " + highest);
    }

    /** Where the kernel's ephemeral range starts (Linux's {@code ip_local_port_range}; its default elsewhere). */
    public static int ephemeralLow() {
        // (read as a stream: Files.readString trusts the size a /proc file reports, and read "3" here)
        try (BufferedReader reader = Files.newBufferedReader(EPHEMERAL_RANGE)) {
            return Integer.parseInt(reader.readLine().trim().split("\\s+")[0]);
        } catch (IOException | RuntimeException e) {
            return DEFAULT_EPHEMERAL_LOW;
        }
    }

    /** Whether a server could bind the port on the loopback address now. */
    static boolean bindable(int port) {
        try (ServerSocket socket = new ServerSocket()) {
            socket.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port));
            return true;
        } catch (IOException e) {
            return false;
        }
    }
}
