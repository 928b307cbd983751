package ai.ojin.session.standalone.config;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URL;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Renders docs/configuration.md from the {@code META-INF/spring-configuration-metadata.json} files
 * that spring-boot-configuration-processor writes into the modules holding the
 * {@code @ConfigurationProperties} records (names, types, {@code @DefaultValue} defaults and the
 * records' javadoc {@code @param} descriptions). Only this project's settings are rendered (groups
 * whose source type is in {@code ai.ojin.session}): one section per module, sorted by name, one
 * table per {@code @ConfigurationProperties} prefix, sorted by prefix, its properties (nested
 * records' included) sorted by name. The output depends on nothing but the metadata.
 */
final class ConfigurationReference {

    static final String METADATA = "META-INF/spring-configuration-metadata.json";
    static final String OWN_PACKAGE = "ai.ojin.session.";
    /** The command that rewrites docs/configuration.md (from the repository's root). */
    static final String REGENERATE = "./mvnw -q -pl standalone -am test -Dtest=ConfigurationReferenceTest "
            + "-Dsurefire.failIfNoSpecifiedTests=false -Dconfig.reference.write=true";

    /** {@code .../<module>/target/classes/META-INF/...} (the reactor) or {@code .../<module>-<version>.jar!/...}. */
    private static final Pattern CLASSES_DIR = Pattern.compile(".*/([^/]+)/target/classes/" + Pattern.quote(METADATA) + "$");
    private static final Pattern JAR = Pattern.compile(".*/([^/]+?)-\\d[^/]*\\.jar!/" + Pattern.quote(METADATA) + "$");
    private static final Pattern PACKAGE_QUALIFIER = Pattern.compile("\\b(?:[a-z_][a-z0-9_]*\\.)+(?=[A-Z])");
    private static final Pattern INLINE_TAG = Pattern.compile("\\{@(code|literal|link|linkplain|value)\\s+");

    private static final JsonMapper JSON = JsonMapper.builder().build();

    private ConfigurationReference() {
    }

    /** One module's settings: its {@code @ConfigurationProperties} prefixes, each with its properties. */
    record Module(String name, Map<String, Prefix> prefixes) {
    }

    record Prefix(String name, String sourceType, List<Property> properties) {
    }

    record Property(String name, String type, String defaultValue, String description) {
    }

    /** The project's settings in every metadata file {@code loader} sees, by module name. */
    static Map<String, Module> read(ClassLoader loader) {
        Map<String, Module> modules = new TreeMap<>();
        try {
            for (URL url : Collections.list(loader.getResources(METADATA))) {
                try (InputStream in = url.openStream()) {
                    JsonNode metadata = JSON.readTree(in);
                    if (!own(metadata)) {
                        continue;
                    }
                    String module = moduleOf(url.toString());
                    Module previous = modules.putIfAbsent(module, module(module, metadata));
                    if (previous != null) {
                        throw new IllegalStateException("two metadata files of module " + module + " on the class path");
                    }
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return modules;
    }

    private static boolean own(JsonNode metadata) {
        for (JsonNode group : metadata.path("groups")) {
            if (group.path("sourceType").asString("").startsWith(OWN_PACKAGE)) {
                return true;
            }
        }
        return false;
    }

    static String moduleOf(String url) {
        for (Pattern pattern : List.of(CLASSES_DIR, JAR)) {
            Matcher m = pattern.matcher(url);
            if (m.matches()) {
                return m.group(1);
            }
        }
        throw new IllegalStateException("cannot tell the module of " + url);
    }

    private static Module module(String name, JsonNode metadata) {
        // The top-level groups are the @ConfigurationProperties records themselves (type == sourceType);
        // the nested records' groups belong to them.
        Map<String, Prefix> prefixes = new TreeMap<>();
        for (JsonNode group : metadata.path("groups")) {
            String type = group.path("type").asString("");
            String sourceType = group.path("sourceType").asString("");
            if (type.equals(sourceType) && sourceType.startsWith(OWN_PACKAGE)) {
                prefixes.put(group.path("name").asString(), new Prefix(group.path("name").asString(), sourceType, new ArrayList<>()));
            }
        }
        for (JsonNode property : metadata.path("properties")) {
            String propertyName = property.path("name").asString();
            Prefix prefix = prefixes.values().stream()
                    .filter(p -> propertyName.startsWith(p.name() + "."))
                    .max(Comparator.comparingInt(p -> p.name().length()))
                    .orElseThrow(() -> new IllegalStateException(propertyName + " belongs to no @ConfigurationProperties prefix"));
            prefix.properties().add(new Property(propertyName, property.path("type").asString(""),
                    defaultValue(property.get("defaultValue")), property.path("description").asString("")));
        }
        prefixes.values().forEach(p -> p.properties().sort(Comparator.comparing(Property::name)));
        return new Module(name, prefixes);
    }

    /** Null when there is none. */
    private static String defaultValue(JsonNode value) {
        if (value == null || value.isNull()) {
            return null;
        }
        if (value.isArray()) {
            List<String> items = new ArrayList<>();
            value.forEach(item -> items.add(item.asString()));
            return String.join(",", items);
        }
        return value.asString();
    }

    /** The whole of docs/configuration.md. */
    static String render(Map<String, Module> modules) {
        StringBuilder md = new StringBuilder();
        md.append("# Configuration reference\n\n");
        md.append("<!-- Generated from the spring-configuration-metadata.json of the services (javadoc of the\n");
        md.append("     @ConfigurationProperties records): do not edit. To regenerate:\n");
        md.append("     ").append(REGENERATE).append(" -->\n\n");
        md.append("""
                Every setting the services bind from `@ConfigurationProperties` records, generated from the
                records themselves (their javadoc and `@DefaultValue`s), so it cannot drift from the code
                (`ConfigurationReferenceTest` in `standalone` fails when it does). Spring Boot's relaxed binding
                applies: `connect.reply-timeout` is also `CONNECT_REPLYTIMEOUT` in the environment, e.g.
                `CONNECT_REPLYTIMEOUT=5s`. Durations are written like `500ms`, `10s`, `2m`, `24h`. A default of
                (empty) is the empty string; no default at all means unset (required, or none, as the
                description says). The environment variables that are not properties
                (`KAFKA_BOOTSTRAP_SERVERS`, `ADMIN_TOKEN`, `DATA_DIR`, ports, ...) are in
                [`operations.md`](operations.md#configuration), "Configuration".

                `service-support`'s settings are bound by every service.
                """);
        for (Module module : modules.values()) {
            md.append("\n## ").append(module.name()).append("\n");
            for (Prefix prefix : module.prefixes().values()) {
                md.append("\n### `").append(prefix.name()).append(".*`\n\n");
                md.append("Bound to `").append(simpleName(prefix.sourceType())).append("`.\n\n");
                md.append("| property | type | default | description |\n");
                md.append("|---|---|---|---|\n");
                for (Property property : prefix.properties()) {
                    md.append("| `").append(property.name()).append("` | ")
                            .append(code(simpleTypes(property.type()))).append(" | ")
                            .append(property.defaultValue() == null ? ""
                                    : property.defaultValue().isEmpty() ? "(empty)" : code(property.defaultValue()))
                            .append(" | ").append(cell(markdown(property.description()))).append(" |\n");
                }
            }
        }
        return md.toString();
    }

    private static String simpleName(String type) {
        return simpleTypes(type).replace('$', '.');
    }

    /** {@code java.util.Map<java.lang.String,java.lang.String>} as {@code Map<String,String>}. */
    static String simpleTypes(String type) {
        return PACKAGE_QUALIFIER.matcher(type).replaceAll("");
    }

    /** An inline code span, with a fence long enough for any backticks inside. */
    private static String code(String text) {
        if (text.isEmpty()) {
            return "";
        }
        String fence = text.contains("`") ? "``" : "`";
        String pad = text.startsWith("`") || text.endsWith("`") ? " " : "";
        return fence + pad + text + pad + fence;
    }

    /** Javadoc text as Markdown: {@code {@code x}} as a code span, {@code {@link T#m label}} as its label. */
    static String markdown(String javadoc) {
        String text = javadoc.replaceAll("\\s+", " ").trim();
        StringBuilder out = new StringBuilder();
        int from = 0;
        Matcher tag = INLINE_TAG.matcher(text);
        while (tag.find(from)) {
            int end = closingBrace(text, tag.end());
            if (end < 0) {
                break;
            }
            out.append(escapeHtml(text.substring(from, tag.start())));
            String body = text.substring(tag.end(), end).trim();
            switch (tag.group(1)) {
                case "code" -> out.append(code(body));
                case "literal" -> out.append(escapeHtml(body));
                default -> {
                    // {@link Type#member label}: the label, else the reference
                    int space = body.indexOf(' ');
                    out.append(space < 0 ? code(body.startsWith("#") ? body.substring(1) : body)
                            : escapeHtml(body.substring(space + 1).trim()));
                }
            }
            from = end + 1;
        }
        out.append(escapeHtml(text.substring(from)));
        return out.toString();
    }

    private static int closingBrace(String text, int from) {
        int depth = 1;
        for (int i = from; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c == '{') {
                depth++;
            } else if (c == '}' && --depth == 0) {
                return i;
            }
        }
        return -1;
    }

    private static String escapeHtml(String text) {
        return text.replace("<", "&lt;").replace(">", "&gt;");
    }

    /** A table cell: a {@code |} would end it. */
    private static String cell(String text) {
        return text.replace("|", "\\|");
    }
}
