package ai.ojin.session.bench;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Queue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.LockSupport;
import java.util.function.LongFunction;
import java.util.stream.Stream;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;

/**
 * Fires operations at a fixed arrival rate, whatever the server does (open loop), and records each
 * latency from the moment the operation was due, not from when it was sent, so a stalled server
 * cannot hide its stall by slowing the client down (no coordinated omission).
 */
public final class OpenLoopDriver {

    private static final long MAX_LATENCY_NANOS = TimeUnit.SECONDS.toNanos(60);

    private OpenLoopDriver() {
    }

    /**
     * @param operation starts operation number i and completes with an outcome label (for
     *     example "200" or "429 concurrency_limit")
     * @param maxInFlight operations allowed in flight; a due operation finding none free is counted
     *     as "client_overloaded" with the latency it would have started with, never silently delayed
     */
    public static Result run(String name, double ratePerSecond, long durationNanos, long warmupNanos, int maxInFlight,
            LongFunction<CompletableFuture<String>> operation) {
        return run(name, ratePerSecond, durationNanos, warmupNanos, maxInFlight, operation, null);
    }

    /**
     * The same, and with {@code timeline} not null, one line per measured operation written there
     * at the end, after a header with the measured window's start in epoch ms: the ms from that start
     * at which it was due, its latency in ms and its outcome (to line the slow ones up with a GC log
     * or thread dumps taken during the run).
     */
    public static Result run(String name, double ratePerSecond, long durationNanos, long warmupNanos, int maxInFlight,
            LongFunction<CompletableFuture<String>> operation, Path timeline) {
        Queue<String> lines = new ConcurrentLinkedQueue<>();
        Recorder recorder = new Recorder(MAX_LATENCY_NANOS, 3);
        ConcurrentHashMap<String, LongAdder> outcomes = new ConcurrentHashMap<>();
        Semaphore inFlight = new Semaphore(maxInFlight);
        long periodNanos = Math.max(1, (long) (1_000_000_000L / ratePerSecond));
        long cpuBefore = processCpuNanos();
        long start = System.nanoTime();
        long measureFrom = start + warmupNanos;
        long end = measureFrom + durationNanos;
        long completedInWindow = 0;
        CompletableFuture<?>[] pending = new CompletableFuture<?>[0];
        var all = new java.util.ArrayList<CompletableFuture<?>>();
        for (long i = 0; ; i++) {
            long due = start + i * periodNanos;
            if (due >= end) {
                break;
            }
            long wait = due - System.nanoTime();
            if (wait > 0) {
                LockSupport.parkNanos(wait);
            }
            boolean measured = due >= measureFrom;
            if (!inFlight.tryAcquire()) {
                if (measured) {
                    outcomes.computeIfAbsent("client_overloaded", k -> new LongAdder()).increment();
                }
                continue;
            }
            CompletableFuture<String> op;
            try {
                op = operation.apply(i);
            } catch (RuntimeException e) {
                op = CompletableFuture.failedFuture(e);
            }
            all.add(op.handle((outcome, error) -> {
                long latency = System.nanoTime() - due;
                inFlight.release();
                if (measured) {
                    recorder.recordValue(Math.min(latency, MAX_LATENCY_NANOS));
                    String label = error == null ? outcome : "error " + rootMessage(error);
                    outcomes.computeIfAbsent(label, k -> new LongAdder()).increment();
                    if (timeline != null) {
                        lines.add(String.format(Locale.ROOT, "%.1f %.2f %s", (due - measureFrom) / 1e6,
                                latency / 1e6, label));
                    }
                }
                return null;
            }));
        }
        CompletableFuture.allOf(all.toArray(pending)).orTimeout(90, TimeUnit.SECONDS).exceptionally(e -> null).join();
        long elapsed = System.nanoTime() - measureFrom;
        if (timeline != null) {
            try {
                long windowStartMillis = System.currentTimeMillis() - (System.nanoTime() - measureFrom) / 1_000_000;
                Files.write(timeline, Stream.concat(
                        Stream.of("# due_ms latency_ms outcome; due_ms 0 = epoch ms " + windowStartMillis),
                        lines.stream()).toList());
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        long started = all.size();
        double cpuMillisPerOp = started == 0 ? 0 : (processCpuNanos() - cpuBefore) / 1e6 / started;
        Histogram histogram = recorder.getIntervalHistogram();
        var counts = new java.util.TreeMap<String, Long>();
        outcomes.forEach((k, v) -> counts.put(k, v.sum()));
        return new Result(name, ratePerSecond, histogram, counts, histogram.getTotalCount() / (durationNanos / 1e9),
                elapsed / 1e9, cpuMillisPerOp);
    }

    /** CPU time of this whole JVM: with the in-process stack, broker + services + load generator. */
    static long processCpuNanos() {
        return ((com.sun.management.OperatingSystemMXBean) java.lang.management.ManagementFactory.getOperatingSystemMXBean())
                .getProcessCpuTime();
    }

    private static String rootMessage(Throwable error) {
        Throwable t = error;
        while (t.getCause() != null) {
            t = t.getCause();
        }
        return t.getClass().getSimpleName();
    }

    /** One measured run: latencies in nanoseconds, outcomes with their counts. */
    public record Result(String name, double targetRate, Histogram latencies, java.util.SortedMap<String, Long> outcomes,
            double achievedRate, double seconds, double cpuMillisPerOp) {

        public double millis(double percentile) {
            return latencies.getValueAtPercentile(percentile) / 1e6;
        }

        public double maxMillis() {
            return latencies.getMaxValue() / 1e6;
        }
    }
}
