package io.chanmux.loadtest.report;

import io.chanmux.loadtest.probe.RelayStats;
import io.chanmux.loadtest.probe.ServerProbe;
import io.chanmux.loadtest.traffic.ConnectTracker;
import io.chanmux.loadtest.traffic.RunTimeline;
import io.chanmux.loadtest.traffic.TrafficCounters;
import io.chanmux.loadtest.traffic.TrafficSignals;
import org.HdrHistogram.Histogram;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;

/**
 * Prints one progress line a second and keeps each traffic second as an {@link IntervalSample}.
 * While peers connect, a line says how many are bound; once traffic runs, a line gives the
 * offered rate, the server's input rate (from its {@code stats}), the delivered rate, loss so far,
 * the interval's latency percentiles and CPU. Traffic lines are aligned to the traffic start. The
 * relay-input rate comes from the stats session's background poll, so a server too busy to
 * answer at once makes that figure late, never the line.
 *
 * <p>It also accumulates the measured window's latency and scheduler-lag histograms from the
 * interval histograms it takes from {@link TrafficCounters}.
 *
 * <p>Threading: {@link #run} is the reporter's own thread (a platform thread, so the line keeps its
 * beat when thousands of virtual threads saturate the carriers) and the only one touching its state
 * until it returns (at the stop signal); the run's owner then calls {@link #finish}, once.
 * {@link #startTraffic} may be called from any thread.
 */
public final class ProgressReporter {
    private static final long SECOND_NS = TimeUnit.SECONDS.toNanos(1);

    private final PrintStream out;
    private final TrafficCounters counters;
    private final ConnectTracker connects;
    private final int peersRequested;
    private final RelayStats stats;
    private final ServerProbe server;
    private final ServerProbe self;
    private final boolean embedded;
    private final TrafficSignals signals;
    private final long beganNs;
    private final Histogram measuredLatency = TrafficCounters.newHistogram();
    private final Histogram measuredLag = TrafficCounters.newHistogram();
    private final Histogram joinLatency = TrafficCounters.newHistogram();
    private final List<IntervalSample> samples = new ArrayList<>();
    private volatile RunTimeline timeline;
    private long lastNs;
    private long lastSent;
    private long lastDelivered;
    private RelayStats.TimedSnapshot lastRelay;
    private long lastServerTicks = -1;
    private long lastOwnTicks = -1;
    private int lastConnected;

    /** What the reporter accumulated, handed over by {@link #finish}. */
    public record Totals(Histogram measuredLatency, Histogram measuredLag, Histogram joinLatency,
                         List<IntervalSample> samples) {
    }

    /**
     * @param out            where lines go
     * @param counters       the peers' counters
     * @param connects       connect progress
     * @param peersRequested peers the run starts
     * @param stats          the server's stats session, or null
     * @param server         the server's process
     * @param embedded       whether the server is this process
     * @param signals        the run's stop signal ends the reporter
     */
    public ProgressReporter(PrintStream out, TrafficCounters counters, ConnectTracker connects, int peersRequested,
                            RelayStats stats, ServerProbe server, boolean embedded, TrafficSignals signals) {
        this.out = out;
        this.counters = counters;
        this.connects = connects;
        this.peersRequested = peersRequested;
        this.stats = stats;
        this.server = server;
        this.self = ServerProbe.self();
        this.embedded = embedded;
        this.signals = signals;
        this.beganNs = System.nanoTime();
        this.lastNs = beganNs;
    }

    /** Switches from connect lines to traffic lines; the first covers the second after the traffic start. */
    public void startTraffic(RunTimeline trafficTimeline) {
        this.timeline = trafficTimeline;
    }

    /** The reporter thread: ticks once a second until the stop signal. */
    public void run() {
        long nextNs = beganNs + SECOND_NS;
        boolean trafficStarted = false;
        try {
            while (true) {
                RunTimeline t = timeline;
                if (t != null && !trafficStarted) {
                    long untilStart = t.trafficStartNs() - System.nanoTime();
                    if (untilStart > 0 && signals.awaitStop(untilStart)) {
                        return;
                    }
                    baseline(t.trafficStartNs());
                    trafficStarted = true;
                    nextNs = t.trafficStartNs() + SECOND_NS;
                }
                long waitNs = nextNs - System.nanoTime();
                if (waitNs > 0 && signals.awaitStop(waitNs)) {
                    return;
                }
                if (signals.stopped()) {
                    return;
                }
                long now = System.nanoTime();
                try {
                    if (trafficStarted) {
                        trafficTick(t, now);
                    } else {
                        connectTick(now);
                    }
                } catch (RuntimeException e) {
                    out.println("progress: " + e);
                }
                while (nextNs - System.nanoTime() <= 0) {
                    nextNs += SECOND_NS; // a slow stats reply delayed us: skip, do not bunch lines
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Takes what the recorders still hold into the totals and hands everything over. Owner, after {@link #run}. */
    public Totals finish() {
        measuredLatency.add(counters.takeMeasuredLatency());
        counters.takeWarmupLatency();
        measuredLag.add(counters.takeMeasuredLag());
        counters.takeWarmupLag();
        joinLatency.add(counters.takeJoinLatency());
        return new Totals(measuredLatency, measuredLag, joinLatency, List.copyOf(samples));
    }

    private void connectTick(long now) {
        Histogram join = counters.takeJoinLatency();
        joinLatency.add(join);
        int connected = connects.connectedCount();
        double rate = (connected - lastConnected) / ((now - lastNs) / 1e9);
        out.printf(Locale.ROOT, "%7.1fs connect  %,d/%,d peers bound (%,.0f/s), %,d failed, join p50 %s p99 %s%n",
                (now - beganNs) / 1e9, connected, peersRequested, rate, connects.failedCount(),
                Units.millis(join.getValueAtPercentile(50)), Units.millis(join.getValueAtPercentile(99)));
        lastConnected = connected;
        lastNs = now;
    }

    private void baseline(long startNs) {
        joinLatency.add(counters.takeJoinLatency());
        lastNs = Math.max(startNs, System.nanoTime());
        lastSent = counters.sent();
        lastDelivered = counters.delivered();
        lastRelay = stats == null ? null : stats.latest();
        lastServerTicks = server.cpuTicks().orElse(-1);
        lastOwnTicks = self.cpuTicks().orElse(-1);
    }

    private void trafficTick(RunTimeline t, long now) {
        Histogram interval = counters.takeWarmupLatency();
        Histogram measured = counters.takeMeasuredLatency();
        measuredLatency.add(measured);
        interval.add(measured);
        Histogram lag = counters.takeWarmupLag();
        Histogram measuredLagInterval = counters.takeMeasuredLag();
        measuredLag.add(measuredLagInterval);
        lag.add(measuredLagInterval);

        double seconds = (now - lastNs) / 1e9;
        long sent = counters.sent();
        long delivered = counters.delivered();
        long gaps = counters.openGaps();
        double relayInRate = -1;
        RelayStats.TimedSnapshot relay = stats == null ? null : stats.latest();
        if (relay != null && lastRelay != null && relay.atNs() - lastRelay.atNs() > 0) {
            relayInRate = (relay.snapshot().counter("datagramsIn") - lastRelay.snapshot().counter("datagramsIn"))
                    / ((relay.atNs() - lastRelay.atNs()) / 1e9);
            lastRelay = relay;
        } else if (lastRelay == null) {
            lastRelay = relay;
        }
        long serverTicks = server.cpuTicks().orElse(-1);
        long ownTicks = self.cpuTicks().orElse(-1);
        double serverCpu = cpu(lastServerTicks, serverTicks, now - lastNs);
        double ownCpu = cpu(lastOwnTicks, ownTicks, now - lastNs);
        double lossPercent = delivered + gaps > 0 ? 100.0 * gaps / (delivered + gaps) : 0;
        long middleNs = lastNs + (now - lastNs) / 2; // an interval ending on a boundary belongs to the phase before it
        String phase = middleNs - t.measureStartNs() < 0 ? "warmup" : middleNs - t.trafficEndNs() < 0 ? "measure" : "drain";
        IntervalSample sample = new IntervalSample((now - t.trafficStartNs()) / 1e9, phase, (sent - lastSent) / seconds,
                relayInRate, (delivered - lastDelivered) / seconds, gaps, lossPercent,
                interval.getValueAtPercentile(50), interval.getValueAtPercentile(99), interval.getMaxValue(),
                lag.getValueAtPercentile(99), serverCpu, ownCpu);
        samples.add(sample);
        out.println(format(sample));
        lastNs = now;
        lastSent = sent;
        lastDelivered = delivered;
        lastServerTicks = serverTicks;
        lastOwnTicks = ownTicks;
    }

    private String format(IntervalSample s) {
        String cpu = embedded
                ? "cpu " + Units.cpu(s.serverCpuPercent()) + " (server+loadgen)"
                : "cpu server " + Units.cpu(s.serverCpuPercent()) + " loadgen " + Units.cpu(s.loadGeneratorCpuPercent());
        return String.format(Locale.ROOT,
                "%7.1fs %-8s offered %,8.0f/s  relay-in %8s/s  delivered %,9.0f/s  loss %.4f%% (%,d)  p50 %s  p99 %s  %s",
                s.elapsedSeconds(), s.phase(), s.offeredPerSecond(),
                s.relayInPerSecond() < 0 ? "n/a" : String.format(Locale.ROOT, "%,.0f", s.relayInPerSecond()),
                s.deliveredPerSecond(), s.lossPercentSoFar(), s.lostSoFar(), Units.millis(s.p50Ns()),
                Units.millis(s.p99Ns()), cpu);
    }

    private static double cpu(long before, long after, long elapsedNs) {
        return before < 0 || after < 0 ? -1 : ServerProbe.cpuPercent(before, after, elapsedNs);
    }
}
