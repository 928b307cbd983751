package ai.ojin.session.standalone.widget;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;

/**
 * The example widget page ({@code examples/widget/index.html}, packaged as the resource
 * {@code widget/index.html}) with its settings block replaced by a {@link WidgetPreset}. The page
 * itself is the one site owners copy; only the JSON inside
 * {@code <script id="widget-config" type="application/json">} changes.
 */
public final class WidgetPage {

    static final String RESOURCE = "widget/index.html";
    private static final String CONFIG_START = "<script id=\"widget-config\" type=\"application/json\">";
    private static final String CONFIG_END = "</script>";

    private WidgetPage() {
    }

    /** The packaged page as site owners get it. */
    public static String original() {
        try (InputStream in = WidgetPage.class.getClassLoader().getResourceAsStream(RESOURCE)) {
            if (in == null) {
                throw new IllegalStateException("resource " + RESOURCE + " is missing from the classpath");
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + RESOURCE, e);
        }
    }

    /** The page with its settings block set to {@code preset}. */
    public static String render(String page, WidgetPreset preset) {
        int start = page.indexOf(CONFIG_START);
        int end = start < 0 ? -1 : page.indexOf(CONFIG_END, start + CONFIG_START.length());
        if (start < 0 || end < 0 || page.indexOf(CONFIG_START, end) >= 0) {
            throw new IllegalArgumentException("the page must have exactly one settings block " + CONFIG_START);
        }
        return page.substring(0, start + CONFIG_START.length()) + "\n" + preset.toJson() + "\n" + page.substring(end);
    }
}
