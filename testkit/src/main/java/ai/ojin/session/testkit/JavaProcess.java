package ai.ojin.session.testkit;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * A main class run in a JVM of its own, with the test JVM's class path and {@code --name=value}
 * arguments, its output in a log file: a service that can really crash ({@link #kill()} is
 * SIGKILL: no shutdown hook, no offset commit, no clean-up).
 */
public final class JavaProcess implements AutoCloseable {

    private final Process process;
    private final Path log;

    private JavaProcess(Process process, Path log) {
        this.process = process;
        this.log = log;
    }

    public static JavaProcess start(Class<?> mainClass, Map<String, String> properties, Path log) {
        return start(mainClass, properties, Map.of(), log);
    }

    /** @param environment variables added to this JVM's environment for the process */
    public static JavaProcess start(Class<?> mainClass, Map<String, String> properties, Map<String, String> environment,
                                    Path log) {
        try {
            Files.createDirectories(log.toAbsolutePath().getParent());
            List<String> command = new ArrayList<>(List.of(
                    Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                    "-Xmx384m", "-XX:TieredStopAtLevel=1",
                    "-cp", System.getProperty("java.class.path"),
                    mainClass.getName()));
            properties.forEach((name, value) -> command.add("--" + name + "=" + value));
            ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
            builder.environment().putAll(environment);
            Process process = builder.start();
            return new JavaProcess(process, log);
        } catch (IOException e) {
            throw new IllegalStateException("cannot start " + mainClass.getName(), e);
        }
    }

    /** @return true; throws when the process is gone (so an await fails fast, pointing at its log) */
    public boolean assertAlive() {
        if (!process.isAlive()) {
            throw new IllegalStateException(log.getFileName() + " exited with " + process.exitValue() + "; see "
                    + log.toAbsolutePath());
        }
        return true;
    }

    /** The log so far (for awaiting a line such as "assigned"). */
    public String output() {
        try {
            return Files.readString(log);
        } catch (IOException e) {
            return "";
        }
    }

    /** SIGKILL, and waits until the process is gone. */
    public void kill() {
        process.destroyForcibly();
        try {
            if (!process.waitFor(30, TimeUnit.SECONDS)) {
                throw new IllegalStateException(log.getFileName() + " did not die");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    @Override
    public void close() {
        if (process.isAlive()) {
            kill();
        }
    }
}
