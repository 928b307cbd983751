package ai.ojin.session.bench;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.PrintWriter;
import java.io.Writer;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * {@link BenchStack} in a JVM of its own, started with this JVM's java, class path and JVM options;
 * its output goes to a log file, its control lines ({@code BENCH-STACK ...}) come back here.
 */
final class ForkedStack implements AutoCloseable {

    private final Process process;
    private final PrintWriter control;
    private final BlockingQueue<String> lines = new LinkedBlockingQueue<>();
    private final Map<String, String> ready;

    ForkedStack(Map<String, String> options, Path log) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>();
        command.add(ProcessHandle.current().info().command().orElse("java"));
        command.addAll(ManagementFactory.getRuntimeMXBean().getInputArguments());
        command.add("-cp");
        command.add(System.getProperty("java.class.path"));
        command.add(BenchStack.class.getName());
        options.forEach((k, v) -> {
            command.add("--" + k);
            command.add(v);
        });
        Files.createDirectories(log.getParent());
        process = new ProcessBuilder(command).redirectErrorStream(true).start();
        Runtime.getRuntime().addShutdownHook(new Thread(process::destroy));
        control = new PrintWriter(new OutputStreamWriter(process.getOutputStream(), StandardCharsets.UTF_8), true);
        Writer logWriter = Files.newBufferedWriter(log);
        Thread reader = new Thread(() -> {
            try (logWriter; BufferedReader in = new BufferedReader(new InputStreamReader(process.getInputStream(),
                    StandardCharsets.UTF_8))) {
                for (String line = in.readLine(); line != null; line = in.readLine()) {
                    logWriter.write(line);
                    logWriter.write('\n');
                    if (line.startsWith(BenchStack.PREFIX)) {
                        lines.add(line.substring(BenchStack.PREFIX.length()));
                    }
                }
            } catch (IOException e) {
                lines.add("ERROR " + e);
            }
            lines.add("EXITED");
        }, "forked-stack-output");
        reader.setDaemon(true);
        reader.start();
        String first = lines.poll(5, TimeUnit.MINUTES);
        if (first == null || !first.startsWith("READY ")) {
            process.destroy();
            throw new IllegalStateException("the forked stack did not start (" + first + "); see " + log);
        }
        ready = keyValues(first.substring("READY ".length()));
        System.out.println("forked stack pid " + process.pid() + ": " + first + " (log " + log + ")");
    }

    String get(String key) {
        return ready.get(key);
    }

    /** CPU time the stack's process has used so far. */
    Duration cpu() {
        return process.toHandle().info().totalCpuDuration().orElse(Duration.ZERO);
    }

    long pid() {
        return process.pid();
    }

    /** What the fakes saw since start ({@link BenchStack#stats()}). */
    Map<String, String> stats() throws InterruptedException {
        control.println("stats");
        String line = lines.poll(30, TimeUnit.SECONDS);
        return line != null && line.startsWith("STATS ") ? keyValues(line.substring("STATS ".length())) : Map.of();
    }

    @Override
    public void close() throws InterruptedException {
        control.close();
        if (!process.waitFor(60, TimeUnit.SECONDS)) {
            process.destroy();
            process.waitFor(10, TimeUnit.SECONDS);
        }
    }

    static Map<String, String> keyValues(String line) {
        Map<String, String> map = new java.util.LinkedHashMap<>();
        for (String pair : line.trim().split("\\s+")) {
            int eq = pair.indexOf('=');
            if (eq > 0) {
                map.put(pair.substring(0, eq), pair.substring(eq + 1));
            }
        }
        return map;
    }
}
