package ai.ojin.session.audit;

import static org.assertj.core.api.Assertions.assertThat;

import ai.ojin.session.audit.log.ClusterOptions;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import picocli.CommandLine;
import picocli.CommandLine.ParseResult;

/** The cluster options on the command line, parsed only (no broker). */
class AuditCliTest {

    private static final String[] CLUSTER = {"--bootstrap-servers", "kafka-1:9092", "--topic-prefix", "staging.",
            "--timeout", "5s", "--consumer-config", "client.properties"};

    @ParameterizedTest
    @ValueSource(strings = {"check", "timeline", "replay", "stats", "export", "rebuild-history"})
    void shouldAcceptTheClusterOptionsBeforeTheCommand(String command) {
        // given
        CommandLine cli = AuditCli.commandLine();

        // when
        ParseResult parsed = cli.parseArgs(join(CLUSTER, command, requiredOptions(command)));

        // then
        assertThat(parsed.subcommand().commandSpec().name()).isEqualTo(command);
        assertGiven(AuditCli.cluster(parsed.subcommand().commandSpec()));
    }

    @ParameterizedTest
    @ValueSource(strings = {"check", "timeline", "replay", "stats", "export", "rebuild-history"})
    void shouldAcceptTheClusterOptionsAfterTheCommand(String command) {
        // given
        CommandLine cli = AuditCli.commandLine();

        // when
        ParseResult parsed = cli.parseArgs(join(new String[] {command}, requiredOptions(command), CLUSTER));

        // then
        assertThat(parsed.subcommand().commandSpec().name()).isEqualTo(command);
        assertGiven(AuditCli.cluster(parsed.subcommand().commandSpec()));
    }

    @Test
    void shouldLetTheOptionAfterTheCommandWin() {
        // given
        CommandLine cli = AuditCli.commandLine();

        // when
        ParseResult parsed = cli.parseArgs("--bootstrap-servers", "before:9092", "--timeout", "5s", "check",
                "--bootstrap-servers", "after:9092");

        // then
        ClusterOptions options = AuditCli.cluster(parsed.subcommand().commandSpec());
        assertThat(options.bootstrapServers()).isEqualTo("after:9092");
        assertThat(options.timeout()).isEqualTo(Duration.ofSeconds(5));
    }

    @Test
    void shouldUseTheDefaultsWhenNoClusterOptionIsGiven() {
        // given
        CommandLine cli = AuditCli.commandLine();

        // when
        ParseResult parsed = cli.parseArgs("check");

        // then
        ClusterOptions options = AuditCli.cluster(parsed.subcommand().commandSpec());
        assertThat(options.bootstrapServers()).isEqualTo("localhost:9092");
        assertThat(options.topicPrefix()).isEmpty();
        assertThat(options.timeout()).isEqualTo(Duration.ofSeconds(30));
        assertThat(options.consumerConfig()).isNull();
    }

    private static void assertGiven(ClusterOptions options) {
        assertThat(options.bootstrapServers()).isEqualTo("kafka-1:9092");
        assertThat(options.topicPrefix()).isEqualTo("staging.");
        assertThat(options.topics().events().name()).isEqualTo("staging.session-events");
        assertThat(options.timeout()).isEqualTo(Duration.ofSeconds(5));
        assertThat(options.consumerConfig()).isEqualTo(Path.of("client.properties"));
    }

    /** What a command needs besides the cluster options to parse. */
    private static String[] requiredOptions(String command) {
        return switch (command) {
            case "timeline" -> new String[] {"--agent", "acme"};
            case "export" -> new String[] {"--from", "2026-01-01", "--to", "2026-01-02"};
            case "rebuild-history" -> new String[] {"--db-url", "jdbc:h2:mem:x"};
            default -> new String[0];
        };
    }

    private static String[] join(String[] first, String second, String[] third) {
        return join(first, new String[] {second}, third);
    }

    private static String[] join(String[]... parts) {
        return Arrays.stream(parts).flatMap(Arrays::stream).toArray(String[]::new);
    }
}
