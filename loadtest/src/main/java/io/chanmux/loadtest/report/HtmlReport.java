package io.chanmux.loadtest.report;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A self-contained HTML page of a run: the summary table, the latency percentile curve, and
 * throughput, loss, latency and CPU over time, as inline SVG. It loads nothing: no script, no
 * style sheet, no font, no image, and holds no URL, so it opens the same offline, attached to
 * an issue, or years later.
 *
 * <p>Stateless: every method is safe from any thread.
 */
public final class HtmlReport {
    /** The page style, shared with the sweep page. */
    static final String STYLE = """
            body { font: 14px/1.4 system-ui, sans-serif; margin: 24px; color: #222; max-width: 1000px; }
            h1 { font-size: 20px; margin-bottom: 4px; }
            h2 { font-size: 16px; margin-top: 28px; }
            table { border-collapse: collapse; }
            td, th { padding: 2px 10px; border-bottom: 1px solid #ddd; text-align: left; vertical-align: top; }
            td.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
            .pass { color: #fff; background: #2a7d2a; padding: 2px 8px; border-radius: 3px; }
            .fail { color: #fff; background: #b22; padding: 2px 8px; border-radius: 3px; }
            .banner { color: #fff; background: #b22; padding: 10px 14px; border-radius: 4px; font-weight: bold; }
            .muted { color: #666; }
            svg.chart { display: block; margin: 8px 0 16px; }
            svg .title { font-size: 14px; font-weight: bold; }
            svg .grid { stroke: #e4e4e4; stroke-width: 1; }
            svg .frame { fill: none; stroke: #999; }
            svg .ytick { font-size: 11px; text-anchor: end; fill: #444; }
            svg .xtick { font-size: 11px; text-anchor: middle; fill: #444; }
            svg .xlabel, svg .ylabel { font-size: 12px; text-anchor: middle; fill: #333; }
            svg .legend { font-size: 12px; fill: #333; }
            """;

    private HtmlReport() {
    }

    /** Writes the page to {@code file}, creating parent directories. */
    public static void write(LoadTestResult result, Path file) throws IOException {
        Path parent = file.toAbsolutePath().getParent();
        if (parent != null) {
            Files.createDirectories(parent);
        }
        Files.writeString(file, render(result), StandardCharsets.UTF_8);
    }

    /** The red banner a page opens with when the load generator was bound ({@code headline} not empty). */
    static void appendGeneratorBanner(StringBuilder html, String headline) {
        if (!headline.isEmpty()) {
            html.append("<p class=\"banner\" id=\"generator-bound\">").append(esc(headline)).append("</p>\n");
        }
    }

    /** The page as a string. */
    public static String render(LoadTestResult r) {
        StringBuilder html = new StringBuilder();
        html.append("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n");
        html.append("<title>chanmux load test: ").append(esc(r.title())).append("</title>\n");
        html.append("<style>\n").append(STYLE).append("</style>\n</head>\n<body>\n");
        appendGeneratorBanner(html, r.generator().headline());
        html.append("<h1>chanmux load test</h1>\n");
        html.append("<p>").append(esc(r.title())).append("<br><span class=\"muted\">target ").append(esc(r.target()))
                .append(", started ").append(esc(r.startedAt().toString())).append("</span></p>\n");
        Verdict v = r.verdict();
        html.append("<p><span class=\"").append(v.passed() ? "pass\">PASS" : "fail\">FAIL").append("</span> exit status ")
                .append(v.exitStatus()).append("</p>\n");
        if (!v.failures().isEmpty()) {
            html.append("<ul>\n");
            for (String failure : v.failures()) {
                html.append("<li>").append(esc(failure)).append("</li>\n");
            }
            html.append("</ul>\n");
        }

        html.append("<h2>Summary</h2>\n<table>\n<tr><th>figure</th><th>value</th><th>per second</th><th>note</th></tr>\n");
        for (SummaryReport.Row row : SummaryReport.rows(r)) {
            html.append("<tr><td>").append(esc(row.figure())).append("</td><td class=\"num\">").append(esc(row.value()))
                    .append("</td><td class=\"num\">").append(esc(row.perSecond())).append("</td><td>")
                    .append(esc(row.note())).append("</td></tr>\n");
        }
        html.append("</table>\n");

        html.append("<h2>Latency</h2>\n").append(percentileChart(r.latencyCurve()));
        List<IntervalSample> series = r.timeSeries();
        double[] t = new double[series.size()];
        double[] offered = new double[series.size()];
        double[] relayIn = new double[series.size()];
        double[] delivered = new double[series.size()];
        double[] loss = new double[series.size()];
        double[] p50 = new double[series.size()];
        double[] p99 = new double[series.size()];
        double[] serverCpu = new double[series.size()];
        double[] ownCpu = new double[series.size()];
        for (int i = 0; i < series.size(); i++) {
            IntervalSample s = series.get(i);
            t[i] = s.elapsedSeconds();
            offered[i] = s.offeredPerSecond();
            relayIn[i] = s.relayInPerSecond();
            delivered[i] = s.deliveredPerSecond();
            loss[i] = s.lossPercentSoFar();
            p50[i] = s.p50Ns() / 1e6;
            p99[i] = s.p99Ns() / 1e6;
            serverCpu[i] = s.serverCpuPercent();
            ownCpu[i] = s.loadGeneratorCpuPercent();
        }
        html.append(new SvgLineChart("Latency per second (p50, p99)", "seconds since traffic start", "ms")
                .line("p50", "#1f77b4", t, p50).line("p99", "#d62728", t, p99).render());
        html.append("<h2>Throughput and loss over time</h2>\n");
        html.append(new SvgLineChart("Datagrams per second", "seconds since traffic start", "datagrams / s")
                .line("offered", "#1f77b4", t, offered)
                .line("relay in", "#ff7f0e", t, relayIn)
                .line("delivered (copies)", "#2ca02c", t, delivered).render());
        html.append(new SvgLineChart("Loss so far (open sequence gaps)", "seconds since traffic start", "% of copies")
                .line("loss %", "#d62728", t, loss).render());
        boolean embedded = r.server().embedded();
        SvgLineChart cpu = new SvgLineChart(embedded ? "CPU (embedded: server and load generator in one process)" : "CPU",
                "seconds since traffic start", "% of one core")
                .line(embedded ? "process" : "server", "#9467bd", t, serverCpu);
        if (!embedded) {
            cpu.line("load generator", "#8c564b", t, ownCpu);
        }
        html.append(cpu.render());

        html.append("<h2>Settings</h2>\n<table>\n");
        appendMap(html, r.config());
        html.append("</table>\n<h2>Environment</h2>\n<table>\n");
        appendMap(html, r.environment());
        html.append("</table>\n<h2>Server counters (over the measured window and drain)</h2>\n<table>\n");
        Map<String, Object> counters = new LinkedHashMap<>(r.server().counters());
        r.server().dropped().forEach((k, val) -> counters.put("dropped." + k, val));
        appendMap(html, counters);
        html.append("</table>\n</body>\n</html>\n");
        return html.toString();
    }

    private static String percentileChart(List<PercentilePoint> curve) {
        double[] xs = new double[curve.size()];
        double[] ys = new double[curve.size()];
        int n = 0;
        for (PercentilePoint point : curve) {
            if (point.percentile() >= 100) {
                continue; // log scale: 100 % lies at infinity
            }
            xs[n] = -Math.log10(1 - point.percentile() / 100);
            ys[n] = point.valueNs() / 1e6;
            n++;
        }
        Map<Double, String> ticks = new LinkedHashMap<>();
        String[] labels = {"0%", "90%", "99%", "99.9%", "99.99%", "99.999%", "99.9999%"};
        for (int i = 0; i < labels.length; i++) {
            ticks.put((double) i, labels[i]);
        }
        return new SvgLineChart("One-way latency by percentile (measured window)", "percentile", "ms")
                .xTicks(ticks)
                .line("latency", "#1f77b4", Arrays.copyOf(xs, n), Arrays.copyOf(ys, n))
                .render();
    }

    private static void appendMap(StringBuilder html, Map<String, ?> map) {
        map.forEach((key, value) -> html.append("<tr><td>").append(esc(key)).append("</td><td>")
                .append(esc(String.valueOf(value))).append("</td></tr>\n"));
    }

    private static String esc(String text) {
        return SvgLineChart.escape(text == null ? "" : text);
    }
}
