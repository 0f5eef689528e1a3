package io.chanmux.loadtest.report;

/**
 * One step of a rate sweep: the total rate asked for and the complete run at that rate. The
 * figures a sweep compares are read from the run: rates over its measured window, its loss,
 * latency percentiles and CPU. A figure that could not be measured is negative.
 *
 * @param rate the total DATA datagrams per second the step offered on schedule ({@code --sweep})
 * @param run  everything the step's run measured
 */
public record SweepStep(double rate, LoadTestResult run) {
    /** DATA datagrams sent per second of the measured window (below {@link #rate} when the generator fell behind). */
    public double offeredPerSecond() {
        return run.traffic().offered() / window();
    }

    /** Datagrams the server received per second ({@code datagramsIn}, keepalives included), or -1. */
    public double relayInPerSecond() {
        return run.traffic().relayIn() < 0 ? -1 : run.traffic().relayIn() / window();
    }

    /** Distinct copies delivered per second. */
    public double deliveredPerSecond() {
        return run.traffic().delivered() / window();
    }

    /** Copies per second that should have arrived: offered times the receivers of each datagram. */
    public double expectedPerSecond() {
        return run.traffic().expected() / window();
    }

    /** Lost copies in percent of expected ones. */
    public double lossPercent() {
        return run.traffic().lossPercent();
    }

    /** One-way latency of the measured window. */
    public LatencySummary latency() {
        return run.latency();
    }

    /** The server's CPU over the measured window in percent of one core, or -1. */
    public double serverCpuPercent() {
        return run.server().cpuPercent();
    }

    /** The load generator's CPU over the measured window, or -1 (the same process when embedded). */
    public double loadGeneratorCpuPercent() {
        return run.server().loadGeneratorCpuPercent();
    }

    /**
     * Datagrams the server dropped over the measured window and drain, all reasons together, or
     * -1 when its stats were not read at both ends of the window.
     */
    public long serverDrops() {
        return run.server().counters().isEmpty() ? -1 : run.server().droppedTotal();
    }

    /** The kernel's receive-buffer drops on this host over the same span, or -1. */
    public long hostRcvbufDrops() {
        return run.traffic().hostRcvbufErrors();
    }

    /** Peers of the step that could not connect. */
    public int peersFailed() {
        return run.connect().peersFailed();
    }

    /**
     * Whether an integrity check failed: a datagram echoed to its sender, corrupt, or delivered
     * twice. Unlike loss, these are faults at any rate, so they fail a sweep.
     */
    public boolean integrityFailed() {
        TrafficSummary t = run.traffic();
        return t.echoed() > 0 || t.corruptTotal() > 0 || t.duplicates() > 0;
    }

    private double window() {
        return run.traffic().measuredSeconds();
    }
}
