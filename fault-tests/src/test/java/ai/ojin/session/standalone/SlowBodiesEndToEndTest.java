package ai.ojin.session.standalone;

import static org.assertj.core.api.Assertions.assertThat;

import ai.ojin.session.testkit.TestKafka;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * A slow-body attack on the public connect port: 300 connections that send their headers, then one
 * byte of a 100-byte body every second (and open again when the server closes them), for 20 s.
 * Normal connects made meanwhile must be answered as usual: the slow bodies hold connections, not
 * the server's threads, and each is cut off with 408 after the body timeout (10 s).
 */
@Tag("fault")
@ExtendWith(SharedStack.class)
class SlowBodiesEndToEndTest {

    private static final int ATTACKERS = 300;
    private static final Duration ATTACK = Duration.ofSeconds(20);
    private static Stack stack;

    @BeforeAll
    static void useSharedStack(Stack shared) {
        stack = shared;
    }

    @Test
    void shouldAnswerNormalConnectsWhile300SlowBodiesAreBeingSent() throws Exception {
        // given: an agent with room for every normal connect, and 300 slow senders
        String agentId = TestKafka.uniqueId("slow");
        stack.putAgent(agentId, "published", List.of("shop.example.com"), 1000, 600);
        int port = stack.stack.connectApiPort();
        AtomicBoolean attacking = new AtomicBoolean(true);
        AtomicInteger cutOff = new AtomicInteger();
        ExecutorService attackers = Executors.newFixedThreadPool(ATTACKERS);
        try {
            for (int i = 0; i < ATTACKERS; i++) {
                attackers.submit(() -> slowSender(port, attacking, cutOff));
            }

            // when: a normal connect every 200 ms during the attack
            List<HttpResponse<String>> answers = new ArrayList<>();
            long slowest = 0;
            long end = System.nanoTime() + ATTACK.toNanos();
            while (System.nanoTime() < end) {
                long start = System.nanoTime();
                answers.add(CompletableFuture.supplyAsync(() -> stack.connect(agentId, null, "https://shop.example.com"))
                        .get(5, TimeUnit.SECONDS));
                slowest = Math.max(slowest, System.nanoTime() - start);
                awaitQuietly(Duration.ofMillis(200));
            }

            // then: every normal connect was admitted (each within its 5 s), and slow bodies were cut off
            assertThat(answers).hasSizeGreaterThan(20);
            assertThat(answers).allSatisfy(r -> assertThat(r.statusCode()).as(r.body()).isEqualTo(200));
            assertThat(cutOff.get()).as("slow bodies answered 408 by the server").isGreaterThanOrEqualTo(ATTACKERS);
            System.out.printf("slow bodies: %d normal connects, slowest %d ms, %d slow bodies cut off%n",
                    answers.size(), slowest / 1_000_000, cutOff.get());
        } finally {
            attacking.set(false);
            attackers.shutdownNow();
            attackers.awaitTermination(10, TimeUnit.SECONDS);
        }
    }

    /** Sends a connect's headers, then its body one byte a second, opening again when closed. */
    private static void slowSender(int port, AtomicBoolean attacking, AtomicInteger cutOff) {
        byte[] head = ("POST /v1/public/agents/connect HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                + "Content-Length: 100\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1);
        while (attacking.get()) {
            try (Socket socket = new Socket()) {
                socket.connect(new InetSocketAddress("127.0.0.1", port), 5000);
                socket.setSoTimeout(1000);
                OutputStream out = socket.getOutputStream();
                out.write(head);
                out.flush();
                while (attacking.get()) {
                    out.write(' ');
                    out.flush();
                    if (answered(socket)) {
                        cutOff.incrementAndGet();
                        break;
                    }
                }
            } catch (IOException e) {
                // the server closed the connection: open another
            }
        }
    }

    /** Waits up to the socket's timeout (1 s) for an answer: a 408 means the server cut the body off. */
    private static boolean answered(Socket socket) throws IOException {
        try {
            byte[] status = socket.getInputStream().readNBytes(12);
            return new String(status, StandardCharsets.ISO_8859_1).startsWith("HTTP/1.1 408");
        } catch (java.net.SocketTimeoutException e) {
            return false;
        }
    }

    private static void awaitQuietly(Duration duration) {
        org.awaitility.Awaitility.await().pollDelay(duration).atMost(duration.plusSeconds(1)).until(() -> true);
    }
}
