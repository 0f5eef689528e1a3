package io.chanmux.loadtest.report;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Whether the run passed, and the exit status that says so.
 *
 * @param passed     no failure
 * @param exitStatus 0 when passed, else {@link #FAILED}
 * @param failures   one sentence per failed check
 */
public record Verdict(boolean passed, int exitStatus, List<String> failures) {
    /** Exit status when a check failed. */
    public static final int FAILED = 1;

    /** Copies the list. */
    public Verdict {
        failures = List.copyOf(failures);
    }

    /**
     * Judges a run: integrity faults (any echo, corrupt or duplicate datagram) fail it, as do
     * loss above the limit, a peer that could not connect, a measured window with nothing in it,
     * or a load generator that was the bottleneck (unless that was allowed).
     */
    public static Verdict judge(ConnectSummary connect, TrafficSummary traffic, GeneratorCheck generator) {
        List<String> failures = new ArrayList<>();
        if (generator.failsRun()) {
            failures.add("the load generator was the bottleneck: " + String.join("; ", generator.reasons())
                    + " (--allow-generator-bound accepts such a run)");
        }
        if (connect.peersFailed() > 0) {
            failures.add(connect.peersFailed() + " of " + connect.peersRequested() + " peers failed to connect (first: "
                    + connect.firstError() + ")");
        }
        if (traffic.echoed() > 0) {
            failures.add(traffic.echoed() + " datagrams were echoed back to their sender");
        }
        if (traffic.corruptTotal() > 0) {
            failures.add(traffic.corruptTotal() + " corrupt datagrams " + traffic.corrupt());
        }
        if (traffic.duplicates() > 0) {
            failures.add(traffic.duplicates() + " duplicated datagrams");
        }
        if (traffic.expected() == 0) {
            failures.add("nothing was expected in the measured window: no datagram was sent to a receiver");
        }
        if (traffic.lossPercent() > traffic.maxLossPercent()) {
            failures.add(String.format(Locale.ROOT, "loss %.4f %% (%d of %d copies) is above the limit of %s %%",
                    traffic.lossPercent(), traffic.lost(), traffic.expected(), Units.number(traffic.maxLossPercent())));
        }
        return new Verdict(failures.isEmpty(), failures.isEmpty() ? 0 : FAILED, failures);
    }
}
