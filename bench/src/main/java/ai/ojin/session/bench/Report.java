package ai.ojin.session.bench;

import ai.ojin.session.bench.OpenLoopDriver.Result;
import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import javax.imageio.ImageIO;
import ai.ojin.session.events.json.Json;

/** Prints results as a table, and writes them as JSON and as a percentile plot (PNG). */
final class Report {

    private static final double[] PERCENTILES = {50, 90, 99, 99.9};
    private static final Color[] COLORS = {new Color(0x1f77b4), new Color(0xd62728), new Color(0x2ca02c),
            new Color(0xff7f0e), new Color(0x9467bd), new Color(0x8c564b), new Color(0xe377c2)};

    private Report() {
    }

    static String table(List<Result> results, Result floor) {
        StringBuilder out = new StringBuilder();
        out.append(String.format(Locale.ROOT, "%-34s %8s %9s %8s %8s %8s %8s %8s %10s %9s%n", "run", "rate/s", "achieved",
                "p50 ms", "p90 ms", "p99 ms", "p99.9 ms", "max ms", "p50/floor", "cpu ms/op"));
        for (Result r : results) {
            out.append(String.format(Locale.ROOT, "%-34s %8.0f %9.1f %8.2f %8.2f %8.2f %8.2f %8.2f %10s %9.2f%n", r.name(), r.targetRate(),
                    r.achievedRate(), r.millis(50), r.millis(90), r.millis(99), r.millis(99.9), r.maxMillis(),
                    floor == null || r == floor ? "" : String.format(Locale.ROOT, "%.2fx", r.millis(50) / floor.millis(50)),
                    r.cpuMillisPerOp()));
        }
        for (Result r : results) {
            out.append(String.format(Locale.ROOT, "  %-32s outcomes %s%n", r.name(), r.outcomes()));
        }
        return out.toString();
    }

    static void writeJson(Path file, Map<String, Object> context, List<Result> results) throws IOException {
        Map<String, Object> root = new LinkedHashMap<>(context);
        List<Map<String, Object>> runs = new ArrayList<>();
        for (Result r : results) {
            Map<String, Object> run = new LinkedHashMap<>();
            run.put("name", r.name());
            run.put("target_rate", r.targetRate());
            run.put("achieved_rate", r.achievedRate());
            run.put("count", r.latencies().getTotalCount());
            for (double p : PERCENTILES) {
                run.put("p" + (p == Math.rint(p) ? String.valueOf((int) p) : String.valueOf(p)) + "_ms", r.millis(p));
            }
            run.put("max_ms", r.maxMillis());
            run.put("jvm_cpu_ms_per_op", r.cpuMillisPerOp());
            run.put("outcomes", r.outcomes());
            runs.add(run);
        }
        root.put("runs", runs);
        Files.createDirectories(file.getParent());
        Files.write(file, Json.MAPPER.writerWithDefaultPrettyPrinter().writeValueAsBytes(root));
    }

    /** Latency by percentile, x axis as 1/(1-p) on a log scale (the usual HdrHistogram plot). */
    static void writePlot(Path file, String title, List<Result> results) throws IOException {
        int width = 1000;
        int height = 600;
        int left = 80;
        int right = 220;
        int top = 50;
        int bottom = 60;
        BufferedImage image = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = image.createGraphics();
        g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
        g.setColor(Color.WHITE);
        g.fillRect(0, 0, width, height);
        double maxX = Math.log10(1000); // up to 99.9th
        double maxY = 0;
        for (Result r : results) {
            maxY = Math.max(maxY, r.millis(99.9));
        }
        maxY = niceCeiling(maxY * 1.1);
        int plotW = width - left - right;
        int plotH = height - top - bottom;
        g.setColor(Color.BLACK);
        g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, 16));
        g.drawString(title, left, 30);
        g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 12));
        g.drawRect(left, top, plotW, plotH);
        String[] xLabels = {"0%", "90%", "99%", "99.9%"};
        for (int i = 0; i <= 3; i++) {
            int x = left + (int) (plotW * i / maxX);
            g.setColor(new Color(0xdddddd));
            g.drawLine(x, top, x, top + plotH);
            g.setColor(Color.BLACK);
            g.drawString(xLabels[i], x - 12, top + plotH + 18);
        }
        for (int i = 0; i <= 5; i++) {
            double value = maxY * i / 5;
            int y = top + plotH - (int) (plotH * i / 5.0);
            g.setColor(new Color(0xdddddd));
            g.drawLine(left, y, left + plotW, y);
            g.setColor(Color.BLACK);
            g.drawString(String.format(Locale.ROOT, "%.1f", value), left - 45, y + 4);
        }
        g.drawString("percentile", left + plotW / 2 - 30, height - 20);
        g.drawString("ms", 20, top + plotH / 2);
        g.setStroke(new BasicStroke(2f));
        for (int k = 0; k < results.size(); k++) {
            Result r = results.get(k);
            g.setColor(COLORS[k % COLORS.length]);
            int prevX = -1;
            int prevY = -1;
            for (int step = 0; step <= 300; step++) {
                double logX = maxX * step / 300;
                double percentile = 100 * (1 - Math.pow(10, -logX));
                int x = left + (int) (plotW * logX / maxX);
                int y = top + plotH - (int) (plotH * Math.min(1, r.millis(percentile) / maxY));
                if (prevX >= 0) {
                    g.drawLine(prevX, prevY, x, y);
                }
                prevX = x;
                prevY = y;
            }
            g.fillRect(left + plotW + 15, top + 10 + k * 22, 14, 4);
            g.setColor(Color.BLACK);
            g.drawString(r.name(), left + plotW + 35, top + 16 + k * 22);
        }
        g.dispose();
        Files.createDirectories(file.getParent());
        ImageIO.write(image, "png", file.toFile());
    }

    private static double niceCeiling(double value) {
        if (value <= 0) {
            return 1;
        }
        double magnitude = Math.pow(10, Math.floor(Math.log10(value)));
        for (double step : new double[] {1, 2, 2.5, 5, 10}) {
            if (step * magnitude >= value) {
                return step * magnitude;
            }
        }
        return 10 * magnitude;
    }
}
