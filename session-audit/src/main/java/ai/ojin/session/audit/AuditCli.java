package ai.ojin.session.audit;

import ai.ojin.session.audit.check.CheckCommand;
import ai.ojin.session.audit.export.ExportCommand;
import ai.ojin.session.audit.history.RebuildHistoryCommand;
import ai.ojin.session.audit.log.CannotReadException;
import ai.ojin.session.audit.log.ClusterOptions;
import ai.ojin.session.audit.replay.ReplayCommand;
import ai.ojin.session.audit.schema.SchemasCommand;
import ai.ojin.session.audit.stats.StatsCommand;
import ai.ojin.session.audit.timeline.TimelineCommand;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;

/**
 * {@code java -jar session-audit.jar <command>}: answers "what happened" and "was every decision
 * right" from the log. Results go to stdout, progress and errors to stderr. Exit codes: 0 done and
 * clean, 1 findings (violations, divergences), 2 could not read (cluster, topic, store) or bad usage.
 * The cluster options ({@link ClusterOptions}) may be given before or after the command.
 */
@Command(name = "session-audit", mixinStandardHelpOptions = true, version = "session-audit 0.1",
        description = "Audit and replay of the session log.",
        subcommands = {TimelineCommand.class, CheckCommand.class, ReplayCommand.class, StatsCommand.class,
                ExportCommand.class, RebuildHistoryCommand.class, SchemasCommand.class})
public final class AuditCli implements Runnable {

    public static final int CLEAN = 0;
    public static final int FINDINGS = 1;
    public static final int CANNOT_READ = 2;

    /** Inherited by every subcommand (see {@link ClusterOptions}): one object, wherever the options were given. */
    @Mixin
    ClusterOptions cluster;

    @CommandLine.Spec
    CommandSpec spec;

    /** The cluster options as parsed, for the subcommand whose spec this is. */
    public static ClusterOptions cluster(CommandSpec subcommand) {
        return ((AuditCli) subcommand.root().userObject()).cluster;
    }

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(), "a command is required");
    }

    /** The command line with the tool's exit codes; set its out and err before executing. */
    public static CommandLine commandLine() {
        CommandLine cli = new CommandLine(new AuditCli());
        cli.setExecutionExceptionHandler((e, command, parsed) -> {
            if (e instanceof CannotReadException || e instanceof IllegalArgumentException) {
                command.getErr().println("session-audit: " + e.getMessage());
            } else {
                command.getErr().println("session-audit: " + e);
                e.printStackTrace(command.getErr());
            }
            command.getErr().flush();
            return CANNOT_READ;
        });
        return cli;
    }

    public static void main(String[] args) {
        System.exit(commandLine().execute(args));
    }
}
