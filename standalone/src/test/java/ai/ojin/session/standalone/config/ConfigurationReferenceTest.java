package ai.ojin.session.standalone.config;

import static org.assertj.core.api.Assertions.assertThat;

import ai.ojin.session.standalone.config.ConfigurationReference.Module;
import ai.ojin.session.standalone.config.ConfigurationReference.Property;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * docs/configuration.md is generated from the configuration metadata of the services (their
 * {@code @ConfigurationProperties} records); this test fails when the file and the records differ.
 * {@code -Dconfig.reference.write=true} rewrites the file instead
 * ({@link ConfigurationReference#REGENERATE}).
 */
class ConfigurationReferenceTest {

    private static final Path REFERENCE = Path.of(System.getProperty("basedir", "."))
            .resolve("../docs/configuration.md").toAbsolutePath().normalize();

    @Test
    void shouldKeepDocsConfigurationMdAsTheServicesMetadataRenderIt() throws IOException {
        // given
        String expected = ConfigurationReference.render(ConfigurationReference.read(getClass().getClassLoader()));
        if (Boolean.getBoolean("config.reference.write")) {
            Files.writeString(REFERENCE, expected, StandardCharsets.UTF_8);
        }

        // when
        String actual = Files.exists(REFERENCE) ? Files.readString(REFERENCE, StandardCharsets.UTF_8) : "";

        // then
        assertThat(actual)
                .as("%s is not what the @ConfigurationProperties records say (a setting, default or javadoc @param "
                        + "changed?); regenerate it with%n  %s%nand commit it", REFERENCE, ConfigurationReference.REGENERATE)
                .isEqualTo(expected);
    }

    @Test
    void shouldFindTheMetadataOfEveryModuleWithSettings() {
        // when
        Map<String, Module> modules = ConfigurationReference.read(getClass().getClassLoader());

        // then: a module whose compiler lost the configuration processor would silently drop out
        assertThat(modules).containsOnlyKeys("call-history-sink", "connect-api", "room-worker", "service-support",
                "session-processor");
        assertThat(modules.get("service-support").prefixes()).containsOnlyKeys("session.instance", "session.topics");
        assertThat(modules.get("session-processor").prefixes()).containsOnlyKeys("processor", "processor.metrics");
    }

    @Test
    void shouldDescribeEverySetting() {
        // given
        Map<String, Module> modules = ConfigurationReference.read(getClass().getClassLoader());

        // when
        List<String> undescribed = modules.values().stream()
                .flatMap(module -> module.prefixes().values().stream())
                .flatMap(prefix -> prefix.properties().stream())
                .filter(property -> property.description().isBlank())
                .map(Property::name)
                .toList();

        // then
        assertThat(undescribed).as("settings without a javadoc @param on their record component").isEmpty();
    }

    @Test
    void shouldRenderJavadocTagsAsMarkdown() {
        // when / then
        assertThat(ConfigurationReference.markdown("the {@code session-events}\n   topic, {@link RateWindow#safeRate}, "
                + "{@link LeaseSettings the rules}, <host>"))
                .isEqualTo("the `session-events` topic, `RateWindow#safeRate`, the rules, &lt;host&gt;");
        assertThat(ConfigurationReference.simpleTypes("java.util.Map<java.lang.String,java.time.Duration>"))
                .isEqualTo("Map<String,Duration>");
    }

    @Test
    void shouldTellTheModuleFromTheReactorsClassesOrAJar() {
        // when / then
        assertThat(ConfigurationReference.moduleOf(
                "file:/work/repo/room-worker/target/classes/META-INF/spring-configuration-metadata.json"))
                .isEqualTo("room-worker");
        assertThat(ConfigurationReference.moduleOf(
                "jar:file:/m2/ai/ojin/session/connect-api/0.1.0-SNAPSHOT/connect-api-0.1.0-SNAPSHOT.jar!/META-INF/"
                        + "spring-configuration-metadata.json"))
                .isEqualTo("connect-api");
    }
}
