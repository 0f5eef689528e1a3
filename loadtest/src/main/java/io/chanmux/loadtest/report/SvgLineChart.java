package io.chanmux.loadtest.report;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * A line chart drawn as inline SVG, with axes, grid, tick labels and a legend, and nothing that
 * needs a script or a network fetch. The SVG has no {@code xmlns} attribute: inside HTML5 it is
 * not needed, and the page then holds no URL at all.
 *
 * <p>Not thread-safe: build, then {@link #render} once.
 */
public final class SvgLineChart {
    private static final int WIDTH = 760;
    private static final int HEIGHT = 300;
    private static final int LEFT = 70;
    private static final int RIGHT = 20;
    private static final int TOP = 30;
    private static final int BOTTOM = 50;

    private final String title;
    private final String xLabel;
    private final String yLabel;
    private final List<Series> series = new ArrayList<>();
    private final List<Marker> markers = new ArrayList<>();
    private Map<Double, String> xTicks;
    private boolean dots;

    private record Series(String name, String color, double[] xs, double[] ys) {
    }

    private record Marker(double x, String label, String color) {
    }

    /**
     * @param title  drawn above the plot
     * @param xLabel the horizontal axis
     * @param yLabel the vertical axis
     */
    public SvgLineChart(String title, String xLabel, String yLabel) {
        this.title = title;
        this.xLabel = xLabel;
        this.yLabel = yLabel;
    }

    /** Adds a line; points with a negative or non-finite y are left out. */
    public SvgLineChart line(String name, String color, double[] xs, double[] ys) {
        if (xs.length != ys.length) {
            throw new IllegalArgumentException("series " + name + ": " + xs.length + " x values but " + ys.length + " y values");
        }
        series.add(new Series(name, color, xs.clone(), ys.clone()));
        return this;
    }

    /** Replaces the automatic x ticks with these positions and labels. */
    public SvgLineChart xTicks(Map<Double, String> ticks) {
        this.xTicks = new LinkedHashMap<>(ticks);
        return this;
    }

    /**
     * Marks {@code x} with a dashed vertical line and a label, such as a sweep's knee. A mark
     * outside the data's x range is not drawn.
     */
    public SvgLineChart markX(double x, String label, String color) {
        markers.add(new Marker(x, label, color));
        return this;
    }

    /** Also draws a dot at every point: for series of a few measured points, such as a sweep's steps. */
    public SvgLineChart dots() {
        this.dots = true;
        return this;
    }

    /** The chart as an {@code <svg>} element. */
    public String render() {
        double xMin = Double.POSITIVE_INFINITY;
        double xMax = Double.NEGATIVE_INFINITY;
        double yMax = 0;
        for (Series s : series) {
            for (int i = 0; i < s.xs.length; i++) {
                if (usable(s.ys[i]) && Double.isFinite(s.xs[i])) {
                    xMin = Math.min(xMin, s.xs[i]);
                    xMax = Math.max(xMax, s.xs[i]);
                    yMax = Math.max(yMax, s.ys[i]);
                }
            }
        }
        if (xMin > xMax) {
            xMin = 0;
            xMax = 1;
        }
        if (xMax == xMin) {
            xMax = xMin + 1;
        }
        double yStep = niceStep(yMax > 0 ? yMax / 5 : 0.2);
        double yTop = Math.max(yStep, Math.ceil(yMax / yStep) * yStep);
        double plotW = WIDTH - LEFT - RIGHT;
        double plotH = HEIGHT - TOP - BOTTOM;
        final double x0 = xMin;
        final double xSpan = xMax - xMin;
        StringBuilder svg = new StringBuilder();
        svg.append(String.format(Locale.ROOT,
                "<svg class=\"chart\" width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\" role=\"img\" aria-label=\"%s\">%n",
                WIDTH, HEIGHT, WIDTH, HEIGHT, escape(title)));
        svg.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"18\" class=\"title\">%s</text>%n", LEFT, escape(title)));
        // horizontal grid and y ticks
        for (double y = 0; y <= yTop + yStep / 2; y += yStep) {
            double py = TOP + plotH - y / yTop * plotH;
            svg.append(String.format(Locale.ROOT, "<line x1=\"%d\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" class=\"grid\"/>%n",
                    LEFT, py, LEFT + plotW, py));
            svg.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%.1f\" class=\"ytick\">%s</text>%n",
                    LEFT - 6, py + 4, escape(tickLabel(y, yStep))));
        }
        // x ticks
        Map<Double, String> ticks = xTicks != null ? xTicks : autoTicks(xMin, xMax);
        for (Map.Entry<Double, String> tick : ticks.entrySet()) {
            if (tick.getKey() < xMin - 1e-9 || tick.getKey() > xMax + 1e-9) {
                continue;
            }
            double px = LEFT + (tick.getKey() - x0) / xSpan * plotW;
            svg.append(String.format(Locale.ROOT, "<line x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%.1f\" class=\"grid\"/>%n",
                    px, TOP, px, TOP + plotH));
            svg.append(String.format(Locale.ROOT, "<text x=\"%.1f\" y=\"%.1f\" class=\"xtick\">%s</text>%n",
                    px, TOP + plotH + 16, escape(tick.getValue())));
        }
        svg.append(String.format(Locale.ROOT, "<rect x=\"%d\" y=\"%d\" width=\"%.1f\" height=\"%.1f\" class=\"frame\"/>%n",
                LEFT, TOP, plotW, plotH));
        svg.append(String.format(Locale.ROOT, "<text x=\"%.1f\" y=\"%d\" class=\"xlabel\">%s</text>%n",
                LEFT + plotW / 2, HEIGHT - 8, escape(xLabel)));
        svg.append(String.format(Locale.ROOT,
                "<text x=\"14\" y=\"%.1f\" class=\"ylabel\" transform=\"rotate(-90 14 %.1f)\">%s</text>%n",
                TOP + plotH / 2, TOP + plotH / 2, escape(yLabel)));
        for (Marker mark : markers) {
            if (!Double.isFinite(mark.x) || mark.x < xMin - 1e-9 || mark.x > xMax + 1e-9) {
                continue;
            }
            double px = LEFT + (mark.x - x0) / xSpan * plotW;
            svg.append(String.format(Locale.ROOT, "<line x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"%s\" "
                    + "stroke-width=\"1.5\" stroke-dasharray=\"5 4\"/>%n", px, TOP, px, TOP + plotH, escape(mark.color)));
            // Right of the line, below the legend row; left of it when the line is near the right edge.
            boolean leftOfLine = px > LEFT + plotW - 8 * mark.label.length() - 10;
            svg.append(String.format(Locale.ROOT, "<text x=\"%.1f\" y=\"%d\" fill=\"%s\" font-size=\"12\"%s>%s</text>%n",
                    leftOfLine ? px - 5 : px + 5, TOP + 30, escape(mark.color),
                    leftOfLine ? " text-anchor=\"end\"" : "", escape(mark.label)));
        }
        int legendX = LEFT + 10;
        for (Series s : series) {
            StringBuilder points = new StringBuilder();
            StringBuilder circles = new StringBuilder();
            for (int i = 0; i < s.xs.length; i++) {
                if (!usable(s.ys[i]) || !Double.isFinite(s.xs[i])) {
                    continue;
                }
                double px = LEFT + (s.xs[i] - x0) / xSpan * plotW;
                double py = TOP + plotH - Math.min(s.ys[i], yTop) / yTop * plotH;
                points.append(String.format(Locale.ROOT, "%.1f,%.1f ", px, py));
                if (dots) {
                    circles.append(String.format(Locale.ROOT, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"3.5\" fill=\"%s\"/>%n",
                            px, py, escape(s.color)));
                }
            }
            svg.append(String.format(Locale.ROOT,
                    "<polyline fill=\"none\" stroke=\"%s\" stroke-width=\"2\" points=\"%s\"><title>%s</title></polyline>%n",
                    escape(s.color), points.toString().trim(), escape(s.name)));
            svg.append(circles);
            svg.append(String.format(Locale.ROOT, "<rect x=\"%d\" y=\"%d\" width=\"12\" height=\"3\" fill=\"%s\"/>%n",
                    legendX, TOP + 8, escape(s.color)));
            svg.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%d\" class=\"legend\">%s</text>%n",
                    legendX + 16, TOP + 13, escape(s.name)));
            legendX += 24 + 7 * s.name.length();
        }
        svg.append("</svg>\n");
        return svg.toString();
    }

    /** Escapes text for XML content and attributes. */
    static String escape(String text) {
        StringBuilder out = new StringBuilder(text.length());
        for (char ch : text.toCharArray()) {
            switch (ch) {
                case '<' -> out.append("&lt;");
                case '>' -> out.append("&gt;");
                case '&' -> out.append("&amp;");
                case '"' -> out.append("&quot;");
                case '\'' -> out.append("&#39;");
                default -> out.append(ch);
            }
        }
        return out.toString();
    }

    private static boolean usable(double y) {
        return y >= 0 && Double.isFinite(y);
    }

    private static Map<Double, String> autoTicks(double min, double max) {
        double step = niceStep((max - min) / 8);
        Map<Double, String> ticks = new LinkedHashMap<>();
        for (double x = Math.ceil(min / step) * step; x <= max + step / 1e6; x += step) {
            ticks.put(x, tickLabel(x, step));
        }
        return ticks;
    }

    /** 1, 2 or 5 times a power of ten, at least {@code rough}. */
    static double niceStep(double rough) {
        double power = Math.pow(10, Math.floor(Math.log10(rough)));
        double fraction = rough / power;
        double nice = fraction <= 1 ? 1 : fraction <= 2 ? 2 : fraction <= 5 ? 5 : 10;
        return nice * power;
    }

    private static String tickLabel(double value, double step) {
        if (step >= 1) {
            return String.format(Locale.ROOT, "%,.0f", value);
        }
        int decimals = (int) Math.ceil(-Math.log10(step));
        return String.format(Locale.ROOT, "%." + decimals + "f", value);
    }
}
