package io.chanmux.loadtest.report;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.StringJoiner;

/**
 * The end-of-run table printed to the console. Its {@link #rows} are also the summary table of the
 * HTML report, so both always show the same figures.
 *
 * <p>Stateless: every method is safe from any thread.
 */
public final class SummaryReport {
    private SummaryReport() {
    }

    /**
     * One line of the table.
     *
     * @param figure    what is measured
     * @param value     its total or value
     * @param perSecond its rate, or empty
     * @param note      a remark, or empty
     */
    public record Row(String figure, String value, String perSecond, String note) {
    }

    /** The table's rows, in order. */
    public static List<Row> rows(LoadTestResult r) {
        TrafficSummary t = r.traffic();
        ConnectSummary c = r.connect();
        ServerSummary s = r.server();
        MemorySummary m = s.memory();
        double window = t.measuredSeconds();
        List<Row> rows = new ArrayList<>();
        rows.add(new Row("peers connected", Units.count(c.peersConnected()) + " / " + Units.count(c.peersRequested()),
                Units.rate(c.peersPerSecond()), "in " + Units.seconds(c.peersSeconds()) + ", " + c.peersFailed()
                + " failed; " + Units.count(c.channels()) + " channels in " + Units.seconds(c.channelsSeconds())));
        rows.add(new Row("join latency p50 / p99", Units.millis(c.joinLatency().p50Ns()) + " / "
                + Units.millis(c.joinLatency().p99Ns()), "", "max " + Units.millis(c.joinLatency().maxNs())
                + " (connect + hello + join + bind)"));
        rows.add(new Row("offered", Units.count(t.offered()), Units.rate(t.offered() / window), "DATA sent in the "
                + Units.seconds(window) + " window"));
        rows.add(new Row("relay in", t.relayIn() < 0 ? "n/a" : Units.count(t.relayIn()),
                t.relayIn() < 0 ? "" : Units.rate(t.relayIn() / window),
                "server datagramsIn between stats replies (late when it is saturated), keepalives included"));
        rows.add(new Row("delivered", Units.count(t.delivered()), Units.rate(t.delivered() / window), ""));
        if (r.nodes().size() > 1) {
            for (NodeDelivery node : r.nodes()) {
                rows.add(new Row("  via node " + node.node(), Units.count(node.delivered()),
                        Units.rate(node.deliveredPerSecond()), Units.count(node.channels()) + " channels"));
            }
        }
        rows.add(new Row("expected", Units.count(t.expected()), Units.rate(t.expected() / window),
                "each datagram to every other peer of its channel"));
        rows.add(new Row("lost", Units.count(t.lost()), "", Units.percent(t.lossPercent()) + " (limit "
                + Units.number(t.maxLossPercent()) + " %); warmup lost " + Units.count(t.warmupLost()) + " of "
                + Units.count(t.warmupExpected())));
        rows.add(new Row("duplicates", Units.count(t.duplicates()), "", ""));
        rows.add(new Row("reordered", Units.count(t.reordered()), "", ""));
        rows.add(new Row("corrupt", Units.count(t.corruptTotal()), "", t.corruptTotal() == 0 ? "" : nonZero(t.corrupt())));
        rows.add(new Row("echoed to sender", Units.count(t.echoed()), "", "must be 0"));
        LatencySummary l = r.latency();
        rows.add(new Row("latency p50", Units.millis(l.p50Ns()), "", "one-way, " + Units.count(l.count()) + " samples"));
        rows.add(new Row("latency p90", Units.millis(l.p90Ns()), "", ""));
        rows.add(new Row("latency p99", Units.millis(l.p99Ns()), "", ""));
        rows.add(new Row("latency p99.9", Units.millis(l.p999Ns()), "", ""));
        rows.add(new Row("latency max", Units.millis(l.maxNs()), "", ""));
        LatencySummary lag = r.schedulerLag();
        rows.add(new Row("scheduler lag p99 / max", Units.millis(lag.p99Ns()) + " / " + Units.millis(lag.maxNs()), "",
                "send time behind schedule (load generator)"));
        if (s.counters().isEmpty()) {
            rows.add(new Row("server drops", "n/a", "", "the server's stats were not read at both window boundaries"));
        } else {
            rows.add(new Row("server drops", Units.count(s.droppedTotal()), "", nonZero(s.dropped())));
            rows.add(new Row("server send errors", Units.count(s.counters().getOrDefault("sendErrors", 0L)), "",
                    "receive errors " + Units.count(s.counters().getOrDefault("receiveErrors", 0L))));
        }
        rows.add(new Row("host UDP buffer drops", t.hostRcvbufErrors() < 0 ? "n/a" : Units.count(t.hostRcvbufErrors()), "",
                "kernel RcvbufErrors, any socket on this host (sndbuf " + (t.hostSndbufErrors() < 0 ? "n/a"
                : Units.count(t.hostSndbufErrors())) + ")"));
        GeneratorCheck g = r.generator();
        rows.add(new Row("load generator", g.bound() ? "BOUND" : "ok", "", "cpu "
                + (g.cpuPercentOfCores() < 0 ? "n/a" : Units.number(Math.round(g.cpuPercentOfCores())) + " %")
                + " of its " + g.cores() + " core" + (g.cores() == 1 ? "" : "s") + " (limit "
                + Units.number(GeneratorCheck.CPU_LIMIT_PERCENT) + " %), scheduler lag p99 "
                + Units.millis(g.schedulerLagP99Ns()) + " (limit " + Units.millis(GeneratorCheck.LAG_LIMIT_NS) + ")"));
        rows.add(new Row("server cpu", Units.cpu(s.cpuPercent()), "", s.embedded()
                ? "embedded: this process, load generator included"
                : "load generator " + Units.cpu(s.loadGeneratorCpuPercent()) + " (100 % = one core)"));
        rows.add(new Row("server rss", known(m.rssEndBytes()), "", "before " + known(m.rssBeforeBytes())
                + ", connected " + known(m.rssConnectedBytes())));
        rows.add(new Row("server rss per peer", Units.bytes(m.rssBytesPerPeer()), "",
                m.includesLoadGenerator() ? "includes the load generator's own peer" : "growth over the connect phase"));
        if (s.embedded()) {
            rows.add(new Row("heap per peer", Units.bytes(m.heapBytesPerPeer()), "", "after GC; server and load generator"
                    + " together (" + known(m.heapBeforeBytes()) + " -> " + known(m.heapConnectedBytes()) + ")"));
        }
        return rows;
    }

    /**
     * The whole console summary: title, table and verdict. When the load generator was the
     * bottleneck, the first line says so, before anything a reader could take for the server's figures.
     */
    public static String render(LoadTestResult r) {
        List<Row> rows = rows(r);
        int w0 = "figure".length();
        int w1 = "value".length();
        int w2 = "per second".length();
        for (Row row : rows) {
            w0 = Math.max(w0, row.figure().length());
            w1 = Math.max(w1, row.value().length());
            w2 = Math.max(w2, row.perSecond().length());
        }
        String format = "  %-" + w0 + "s  %" + w1 + "s  %" + w2 + "s  %s%n";
        StringBuilder out = new StringBuilder();
        if (r.generator().bound()) {
            out.append(r.generator().headline()).append('\n');
        }
        out.append("chanmux load test: ").append(r.title()).append('\n');
        out.append("  target ").append(r.target()).append(", measured ").append(Units.seconds(r.traffic().measuredSeconds()))
                .append(" after ").append(Units.seconds(r.traffic().warmupSeconds())).append(" warmup, drain ")
                .append(Units.seconds(r.traffic().drainSeconds())).append('\n');
        out.append(String.format(format, "figure", "value", "per second", "note"));
        for (Row row : rows) {
            out.append(String.format(format, row.figure(), row.value(), row.perSecond(), row.note()).stripTrailing())
                    .append('\n');
        }
        Verdict v = r.verdict();
        out.append(v.passed() ? "PASS" : "FAIL").append(" (exit status ").append(v.exitStatus()).append(")\n");
        for (String failure : v.failures()) {
            out.append("  - ").append(failure).append('\n');
        }
        return out.toString();
    }

    private static String known(long bytes) {
        return bytes < 0 ? "n/a" : Units.bytes(bytes);
    }

    private static String nonZero(Map<String, Long> counts) {
        StringJoiner joiner = new StringJoiner(", ");
        counts.entrySet().stream()
                .filter(e -> e.getValue() != 0 && !e.getKey().equals("total"))
                .sorted(Map.Entry.comparingByKey())
                .forEach(e -> joiner.add(e.getKey() + " " + Units.count(e.getValue())));
        return joiner.length() == 0 ? "none" : joiner.toString();
    }
}
