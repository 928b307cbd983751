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

    /**
     * JVM flags of every process started here, the same as the test JVMs' (root pom): C1 only, the
     * serial GC, and the test JVM's directory for temporary files (the module's {@code target/}).
     * Processes in tests live for seconds to minutes, where C1 alone compiles the start-up code for
     * about half the CPU of the tiered compilers. They change no setting of the application: a jar
     * still runs as {@code java -jar <jar>} with its own defaults.
     */
    static final List<String> JVM_OPTIONS = List.of("-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC",
            "-Djava.io.tmpdir=" + System.getProperty("java.io.tmpdir"));

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
        List<String> command = new ArrayList<>(List.of(javaCommand(), "-Xmx384m"));
        command.addAll(JVM_OPTIONS);
        command.addAll(List.of("-cp", System.getProperty("java.class.path"), mainClass.getName()));
        properties.forEach((name, value) -> command.add("--" + name + "=" + value));
        return launch(command, environment, log);
    }

    /**
     * A packaged jar run as a user runs it: {@code java -jar <jar> <args>} (with {@link #JVM_OPTIONS}), with {@code environment}
     * added to this JVM's environment, its output appended to {@code log}.
     */
    public static JavaProcess startJar(Path jar, List<String> args, Map<String, String> environment, Path log) {
        List<String> command = jarCommand(jar, args);
        return launch(command, environment, log);
    }

    /**
     * Runs a packaged command-line jar to its end: its exit code and what it wrote to stdout and
     * stderr. Fails when it has not ended within {@code timeout}.
     */
    public static Result runJar(Path jar, List<String> args, java.time.Duration timeout) {
        List<String> command = jarCommand(jar, args);
        try {
            Path out = Files.createTempFile("jar-out", ".txt");
            Path err = Files.createTempFile("jar-err", ".txt");
            Process process = new ProcessBuilder(command).redirectOutput(out.toFile()).redirectError(err.toFile())
                    .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null"))).start();
            if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                process.destroyForcibly();
                throw new IllegalStateException(String.join(" ", args) + " did not end within " + timeout
                        + "; stderr: " + Files.readString(err));
            }
            return new Result(process.exitValue(), Files.readString(out), Files.readString(err));
        } catch (IOException e) {
            throw new IllegalStateException("cannot run " + jar, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private static List<String> jarCommand(Path jar, List<String> args) {
        List<String> command = new ArrayList<>(List.of(javaCommand()));
        command.addAll(JVM_OPTIONS);
        command.addAll(List.of("-jar", jar.toAbsolutePath().toString()));
        command.addAll(args);
        return command;
    }

    /** What a command-line run gave. */
    public record Result(int exitCode, String out, String err) {
    }

    private static String javaCommand() {
        return Path.of(System.getProperty("java.home"), "bin", "java").toString();
    }

    private static JavaProcess launch(List<String> command, Map<String, String> environment, Path log) {
        try {
            Files.createDirectories(log.toAbsolutePath().getParent());
            ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
            builder.environment().putAll(environment);
            return new JavaProcess(builder.start(), log);
        } catch (IOException e) {
            throw new IllegalStateException("cannot start " + command, e);
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
