package ai.ojin.session.audit.schema;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** Writes the JSON Schemas of the topics' records (what {@code docs/schemas/} holds). */
@Command(name = "schemas", mixinStandardHelpOptions = true,
        description = "Write the JSON Schemas of the facts and of the call-history record, generated from the Java records.")
public final class SchemasCommand implements Callable<Integer> {

    @Option(names = "--out", defaultValue = "docs/schemas", description = "directory (default: ${DEFAULT-VALUE})")
    Path out;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        for (Map.Entry<String, String> file : SchemaGenerator.generate().entrySet()) {
            Path path = out.resolve(file.getKey());
            try {
                Files.createDirectories(path.getParent());
                Files.writeString(path, file.getValue());
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            spec.commandLine().getOut().println(path);
        }
        spec.commandLine().getOut().flush();
        return 0;
    }
}
