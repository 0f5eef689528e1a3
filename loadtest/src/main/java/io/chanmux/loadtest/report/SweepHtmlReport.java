package io.chanmux.loadtest.report;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * A self-contained HTML page of a rate sweep: the table of steps, and delivered rate, loss and
 * latency plotted against the offered rate as inline SVG, with the knee marked. Like
 * {@link HtmlReport}, it loads nothing (no script, style sheet, font or image) and holds no URL.
 *
 * <p>Stateless: every method is safe from any thread.
 */
public final class SweepHtmlReport {
    private static final String KNEE_COLOR = "#b22222";
    private static final String EXTRA_STYLE = """
            tr.knee td { background: #fde8e8; font-weight: bold; }
            """;

    private SweepHtmlReport() {
    }

    /** Writes the page to {@code file}, creating parent directories. */
    public static void write(SweepResult sweep, Path file) throws IOException {
        Path parent = file.toAbsolutePath().getParent();
        if (parent != null) {
            Files.createDirectories(parent);
        }
        Files.writeString(file, render(sweep), StandardCharsets.UTF_8);
    }

    /** The page as a string. */
    public static String render(SweepResult r) {
        StringBuilder html = new StringBuilder();
        html.append("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n");
        html.append("<title>chanmux rate sweep: ").append(esc(r.title())).append("</title>\n");
        html.append("<style>\n").append(HtmlReport.STYLE).append(EXTRA_STYLE).append("</style>\n</head>\n<body>\n");
        HtmlReport.appendGeneratorBanner(html, r.headline());
        html.append("<h1>chanmux rate sweep</h1>\n");
        html.append("<p>").append(esc(r.title())).append("<br><span class=\"muted\">target ").append(esc(r.target()))
                .append(", started ").append(esc(r.startedAt().toString()))
                .append("; each step is a fresh run: connect, warm up, measure, drain</span></p>\n");
        html.append("<p><strong>").append(esc(SweepTable.kneeSentence(r))).append("</strong></p>\n");
        if (!r.completed()) {
            html.append("<p><span class=\"fail\">stopped early</span> ").append(esc(r.abortedReason())).append("</p>\n");
        }
        html.append("<p><span class=\"").append(r.integrityFailed() ? "fail\">INTEGRITY FAILED" : "pass\">INTEGRITY OK")
                .append("</span> exit status ").append(r.exitStatus())
                .append(" <span class=\"muted\">(loss defines the knee; echoed, corrupt or duplicate datagrams fail "
                        + "a sweep, and so does a load generator that was the bottleneck up to the knee, or at any step "
                        + "without a knee, unless allowed)</span></p>\n");
        for (String failure : r.failures()) {
            html.append("<p><span class=\"fail\">FAIL</span> ").append(esc(failure)).append("</p>\n");
        }

        html.append("<h2>Steps</h2>\n<table>\n<tr>");
        for (String heading : SweepTable.HEADINGS) {
            html.append("<th>").append(esc(heading)).append("</th>");
        }
        html.append("</tr>\n");
        for (SweepTable.Row row : SweepTable.rows(r)) {
            html.append(row.knee() ? "<tr class=\"knee\">" : "<tr>");
            List<String> cells = row.cells();
            for (int c = 0; c < cells.size(); c++) {
                html.append(c == cells.size() - 1 ? "<td>" : "<td class=\"num\">").append(esc(cells.get(c)))
                        .append("</td>");
            }
            html.append("</tr>\n");
        }
        html.append("</table>\n");
        boolean embedded = !r.steps().isEmpty() && r.steps().getFirst().run().server().embedded();
        html.append("<p class=\"muted\">Rates are over each step's measured window. Loss counts copies that never "
                        + "arrived, in percent of expected copies; drops are the server's (all reasons) and the "
                        + "kernel's receive-buffer drops on this host (any socket). ")
                .append(embedded ? "Embedded: server cpu is the whole process, load generator included."
                        : "CPU is in percent of one core.")
                .append("</p>\n");

        html.append("<h2>Against the offered rate</h2>\n");
        int n = r.steps().size();
        double[] offered = new double[n];
        double[] delivered = new double[n];
        double[] expected = new double[n];
        double[] loss = new double[n];
        double[] limit = new double[n];
        double[] p50 = new double[n];
        double[] p99 = new double[n];
        double[] p999 = new double[n];
        for (int i = 0; i < n; i++) {
            SweepStep s = r.steps().get(i);
            offered[i] = s.offeredPerSecond();
            delivered[i] = s.deliveredPerSecond();
            expected[i] = s.expectedPerSecond();
            loss[i] = s.lossPercent();
            limit[i] = r.maxLossPercent();
            p50[i] = s.latency().p50Ns() / 1e6;
            p99[i] = s.latency().p99Ns() / 1e6;
            p999[i] = s.latency().p999Ns() / 1e6;
        }
        String axis = "offered DATA datagrams / s (measured)";
        html.append(marked(r, new SvgLineChart("Delivered copies per second", axis, "copies / s")
                .line("delivered", "#2ca02c", offered, delivered)
                .line("expected (offered x receivers)", "#999999", offered, expected)).render());
        html.append(marked(r, new SvgLineChart("Loss", axis, "% of expected copies")
                .line("loss %", "#d62728", offered, loss)
                .line("--max-loss " + Units.number(r.maxLossPercent()) + " %", "#999999", offered, limit)).render());
        html.append(marked(r, new SvgLineChart("One-way latency", axis, "ms")
                .line("p50", "#1f77b4", offered, p50)
                .line("p99", "#d62728", offered, p99)
                .line("p99.9", "#9467bd", offered, p999)).render());

        html.append("<h2>Settings</h2>\n<table>\n");
        appendMap(html, r.config());
        html.append("</table>\n<h2>Environment</h2>\n<table>\n");
        appendMap(html, r.environment());
        html.append("</table>\n</body>\n</html>\n");
        return html.toString();
    }

    private static SvgLineChart marked(SweepResult r, SvgLineChart chart) {
        chart.dots();
        r.knee().ifPresent(knee -> chart.markX(knee.offeredPerSecond(), "knee (step " + (r.kneeIndex() + 1) + ")",
                KNEE_COLOR));
        return chart;
    }

    private static void appendMap(StringBuilder html, Map<String, ?> map) {
        map.forEach((key, value) -> html.append("<tr><td>").append(esc(key)).append("</td><td>")
                .append(esc(String.valueOf(value))).append("</td></tr>\n"));
    }

    private static String esc(String text) {
        return SvgLineChart.escape(text == null ? "" : text);
    }
}
