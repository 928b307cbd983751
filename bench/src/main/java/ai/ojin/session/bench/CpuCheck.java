package ai.ojin.session.bench;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Locale;

/**
 * Whether this machine gave us its CPU while we measured: a fixed amount of hashing on one thread,
 * its wall time against its CPU time. On a quiet machine the ratio is about 1; on a shared virtual
 * machine whose host is busy it was seen at 5 to 7, and every latency of such a run is meaningless.
 */
final class CpuCheck {

    private CpuCheck() {
    }

    static String run(String when) {
        ThreadMXBean threads = ManagementFactory.getThreadMXBean();
        byte[] block = new byte[1 << 20];
        MessageDigest sha;
        try {
            sha = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
        long cpu0 = threads.getCurrentThreadCpuTime();
        long wall0 = System.nanoTime();
        for (int i = 0; i < 64; i++) {
            block[i] = sha.digest(block)[0];
        }
        double cpuMs = (threads.getCurrentThreadCpuTime() - cpu0) / 1e6;
        double wallMs = (System.nanoTime() - wall0) / 1e6;
        return String.format(Locale.ROOT, "cpu check %s: %.0f ms of work took %.0f ms (wall/cpu %.2f)", when, cpuMs,
                wallMs, wallMs / cpuMs);
    }
}
