package io.chanmux.loadtest.report;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.StringJoiner;

/**
 * The end-of-sweep table printed to the console, one row per rate, and the knee under it. Its
 * {@link #rows} are also the table of the sweep's HTML page, so both show the same figures.
 *
 * <p>Stateless: every method is safe from any thread.
 */
public final class SweepTable {
    /** The column headings, in the order of a {@link Row}'s cells. */
    public static final List<String> HEADINGS = List.of("step", "rate", "offered/s", "relay-in/s", "delivered/s",
            "loss", "p50 ms", "p99 ms", "p99.9 ms", "server cpu", "loadgen cpu", "drops srv/rcvbuf", "note");

    private SweepTable() {
    }

    /**
     * One step as text, a cell per heading.
     *
     * @param cells the figures, in the order of {@link #HEADINGS}
     * @param knee  whether this step is the knee
     */
    public record Row(List<String> cells, boolean knee) {
        /** Copies the cells. */
        public Row {
            cells = List.copyOf(cells);
        }
    }

    /** The table's rows, one per step that ran. */
    public static List<Row> rows(SweepResult sweep) {
        int knee = sweep.kneeIndex();
        List<Row> rows = new ArrayList<>();
        for (int i = 0; i < sweep.steps().size(); i++) {
            SweepStep s = sweep.steps().get(i);
            LatencySummary l = s.latency();
            rows.add(new Row(List.of(Integer.toString(i + 1), rate(s.rate()), Units.rate(s.offeredPerSecond()),
                    Units.rate(s.relayInPerSecond()), Units.rate(s.deliveredPerSecond()), Units.percent(s.lossPercent()),
                    ms(l.p50Ns()), ms(l.p99Ns()), ms(l.p999Ns()), Units.cpu(s.serverCpuPercent()),
                    Units.cpu(s.loadGeneratorCpuPercent()), (s.serverDrops() < 0 ? "n/a" : Units.count(s.serverDrops())) + " / "
                            + (s.hostRcvbufDrops() < 0 ? "n/a" : Units.count(s.hostRcvbufDrops())),
                    note(s, i, knee, sweep.maxLossPercent())), i == knee));
        }
        return rows;
    }

    /** One sentence on the knee: which step, at what rate, and the loss on either side of it. */
    public static String kneeSentence(SweepResult sweep) {
        int knee = sweep.kneeIndex();
        String limit = Units.number(sweep.maxLossPercent()) + " %";
        if (sweep.steps().isEmpty()) {
            return "no step ran";
        }
        if (knee < 0) {
            SweepStep last = sweep.steps().getLast();
            return String.format(Locale.ROOT, "no knee: loss stayed within the %s limit at every step, up to %s/s "
                    + "offered (%s/s delivered)", limit, Units.rate(last.offeredPerSecond()),
                    Units.rate(last.deliveredPerSecond()));
        }
        SweepStep k = sweep.steps().get(knee);
        String before = knee == 0 ? "it is the first step: lower the rates to find where loss starts"
                : String.format(Locale.ROOT, "step %d at %s/s lost %s", knee, rate(sweep.steps().get(knee - 1).rate()),
                Units.percent(sweep.steps().get(knee - 1).lossPercent()));
        return String.format(Locale.ROOT, "knee: step %d at %s/s (offered %s/s, delivered %s/s) lost %s, above the "
                        + "%s limit; %s", knee + 1, rate(k.rate()), Units.rate(k.offeredPerSecond()),
                Units.rate(k.deliveredPerSecond()), Units.percent(k.lossPercent()), limit, before);
    }

    /** The whole console report: the generator's warning when it was bound, title, table, knee and outcome. */
    public static String render(SweepResult sweep) {
        List<Row> rows = rows(sweep);
        int[] widths = new int[HEADINGS.size()];
        for (int c = 0; c < widths.length; c++) {
            widths[c] = HEADINGS.get(c).length();
            for (Row row : rows) {
                widths[c] = Math.max(widths[c], row.cells().get(c).length());
            }
        }
        StringBuilder out = new StringBuilder();
        String headline = sweep.headline();
        if (!headline.isEmpty()) {
            out.append(headline).append('\n');
        }
        out.append("chanmux rate sweep: ").append(sweep.title()).append('\n');
        out.append("  target ").append(sweep.target()).append(sweep.steps().isEmpty() ? ""
                : ", each step a fresh run measured " + Units.seconds(sweep.steps().getFirst().run().traffic()
                .measuredSeconds()) + " after " + Units.seconds(sweep.steps().getFirst().run().traffic()
                .warmupSeconds()) + " warmup").append('\n');
        if (!sweep.steps().isEmpty() && sweep.steps().getFirst().run().server().embedded()) {
            out.append("  embedded: server cpu is the whole process, load generator included\n");
        }
        appendLine(out, HEADINGS, widths);
        for (Row row : rows) {
            appendLine(out, row.cells(), widths);
        }
        out.append(kneeSentence(sweep)).append('\n');
        if (!sweep.completed()) {
            out.append("stopped early: ").append(sweep.abortedReason()).append('\n');
        }
        if (!sweep.integrityFailed()) {
            out.append("integrity checks passed at every step\n");
        }
        for (String failure : sweep.failures()) {
            out.append("FAIL: ").append(failure).append('\n');
        }
        if (sweep.completed()) {
            out.append("exit status ").append(sweep.exitStatus()).append('\n');
        }
        return out.toString();
    }

    private static void appendLine(StringBuilder out, List<String> cells, int[] widths) {
        StringBuilder line = new StringBuilder(" ");
        for (int c = 0; c < cells.size(); c++) {
            // Numbers right-aligned, the note (last) left-aligned.
            String format = c == cells.size() - 1 ? " %-" + widths[c] + "s" : " %" + widths[c] + "s";
            line.append(String.format(Locale.ROOT, format, cells.get(c)));
        }
        out.append(line.toString().stripTrailing()).append('\n');
    }

    private static String note(SweepStep s, int index, int knee, double maxLossPercent) {
        StringJoiner note = new StringJoiner("; ");
        if (index == knee) {
            note.add("KNEE");
        } else if (s.lossPercent() > maxLossPercent) {
            note.add("above the loss limit");
        }
        if (s.integrityFailed()) {
            TrafficSummary t = s.run().traffic();
            note.add(String.format(Locale.ROOT, "INTEGRITY: %d echoed, %d corrupt, %d duplicates", t.echoed(),
                    t.corruptTotal(), t.duplicates()));
        }
        if (s.peersFailed() > 0) {
            note.add(s.peersFailed() + " peers failed to connect");
        }
        if (s.run().generator().bound()) {
            note.add("GENERATOR-BOUND: latency and loss are the load generator's");
        }
        return note.toString();
    }

    /** A rate as given: with separators, decimals only when it has them. */
    static String rate(double value) {
        return value == Math.rint(value) ? String.format(Locale.ROOT, "%,.0f", value)
                : String.format(Locale.ROOT, "%,.2f", value);
    }

    private static String ms(long nanos) {
        return String.format(Locale.ROOT, "%.3f", nanos / 1e6);
    }
}
