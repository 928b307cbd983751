package ai.ojin.session.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class FreePortsTest {

    @Test
    void shouldReadWhereTheKernelsEphemeralRangeStarts() throws IOException {
        // given: Linux's range (elsewhere the default is used)
        Path range = Path.of("/proc/sys/net/ipv4/ip_local_port_range");
        assumeTrue(Files.exists(range), "no " + range);
        int expected;
        try (InputStream in = Files.newInputStream(range)) {
            expected = Integer.parseInt(new String(in.readAllBytes(), StandardCharsets.US_ASCII).trim().split("\\s+")[0]);
        }

        // when / then
        assertThat(FreePorts.ephemeralLow()).isEqualTo(expected);
    }

    @Test
    void shouldHandOutDistinctBindablePortsBelowTheEphemeralRange() throws IOException {
        // given
        int ephemeralLow = FreePorts.ephemeralLow();

        // when
        List<Integer> ports = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            ports.add(FreePorts.outsideEphemeralRange());
        }

        // then
        assertThat(ports).doesNotHaveDuplicates().allSatisfy(port -> assertThat(port).isBetween(10_000, ephemeralLow - 1));
        for (int port : ports) {
            try (ServerSocket socket = new ServerSocket()) {
                socket.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port));
                assertThat(socket.getLocalPort()).isEqualTo(port);
            }
        }
    }

    @Test
    void shouldTakeAPortABoundServerHoldsAsNotFreeAndFreeAgainOnceItCloses() throws IOException {
        // given: a server on a port
        int port;
        try (ServerSocket server = new ServerSocket()) {
            server.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
            port = server.getLocalPort();

            // when / then: taken while it listens
            assertThat(FreePorts.bindable(port)).isFalse();
        }

        // and: free once it has closed
        assertThat(FreePorts.bindable(port)).isTrue();
    }
}
