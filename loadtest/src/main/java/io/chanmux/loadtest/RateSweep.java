package io.chanmux.loadtest;

import io.chanmux.loadtest.report.LoadTestResult;
import io.chanmux.loadtest.report.SweepResult;
import io.chanmux.loadtest.report.SweepStep;
import io.chanmux.loadtest.report.Units;

import java.io.PrintStream;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * A rate sweep ({@code --sweep}): one complete {@link LoadTest} per rate, in increasing order,
 * collected into a {@link SweepResult} whose knee is the first step with loss above
 * {@code --max-loss}.
 *
 * <p>Each step is a fresh run (channels, peers, warmup, measured window, drain), not a new rate
 * on peers already connected. A peer takes one traffic plan, the start and stop signals fire
 * once, and sequence numbers begin at 0 with each plan, so reusing peers would need all three
 * to become per-step, and a copy of step N still in flight when step N+1 began would be counted
 * against the wrong step. A fresh run also starts every step from an idle relay with empty
 * socket buffers: the backlog of an overloaded step cannot leak into the next. The price is the
 * connect phase once per step (raise {@code --ramp} to shorten it). With {@code --embedded}
 * each step starts its own server, sized for that step's rate.
 *
 * <p>Threading: {@link #run} runs on the caller's thread, one step after the other. Use once.
 */
public final class RateSweep {
    private final LoadTestConfig config;
    private final PrintStream out;

    /**
     * @param config the validated settings, with {@link LoadTestConfig#isSweep()} true
     * @param out    where progress lines go
     */
    public RateSweep(LoadTestConfig config, PrintStream out) {
        if (!config.isSweep()) {
            throw new IllegalArgumentException("not a sweep: no --sweep rates");
        }
        this.config = config;
        this.out = out;
    }

    /**
     * Runs every step. A step that cannot take place ends the sweep; the steps before it are
     * kept and the reason is in {@link SweepResult#abortedReason()}.
     *
     * @throws LoadTestException when not even the first step could take place
     */
    public SweepResult run() throws LoadTestException, InterruptedException {
        Instant startedAt = Instant.now();
        List<Double> rates = config.sweepRates();
        List<SweepStep> steps = new ArrayList<>();
        String aborted = null;
        for (int i = 0; i < rates.size(); i++) {
            double rate = rates.get(i);
            out.printf(Locale.ROOT, "%n=== sweep step %d of %d: %s datagrams/s offered ===%n", i + 1, rates.size(),
                    Units.number(rate));
            LoadTestResult run;
            try {
                run = new LoadTest(config.withRate(rate), out).run();
            } catch (LoadTestException e) {
                if (steps.isEmpty()) {
                    throw e;
                }
                aborted = String.format(Locale.ROOT, "step %d (%s/s) could not take place: %s", i + 1,
                        Units.number(rate), e.getMessage());
                break;
            }
            SweepStep step = new SweepStep(rate, run);
            steps.add(step);
            out.printf(Locale.ROOT, "=== step %d of %d done: offered %s/s, delivered %s/s, loss %s, p99 %s, server cpu %s%s%s ===%n",
                    i + 1, rates.size(), Units.rate(step.offeredPerSecond()), Units.rate(step.deliveredPerSecond()),
                    Units.percent(step.lossPercent()), Units.millis(step.latency().p99Ns()),
                    Units.cpu(step.serverCpuPercent()), step.integrityFailed() ? ", INTEGRITY CHECK FAILED" : "",
                    step.run().generator().bound() ? ", GENERATOR-BOUND" : "");
        }
        LoadTestResult first = steps.getFirst().run();
        return new SweepResult(title(), first.target(), startedAt, sharedSettings(), first.environment(),
                config.maxLossPercent(), rates, steps, aborted);
    }

    private String title() {
        List<Double> rates = config.sweepRates();
        return String.format(Locale.ROOT, "%s%,d channels x %d peers (%,d peers, %,d senders), %d-byte payload, "
                        + "%d rates from %s to %s datagrams/s offered",
                config.scenario() == null ? "" : "scenario " + config.scenario() + ": ",
                config.channels(), config.peersPerChannel(), config.totalPeers(), config.totalSenders(),
                config.payloadBytes(), rates.size(), Units.number(rates.getFirst()), Units.number(rates.getLast()));
    }

    /** The settings every step shares: the single-run rate does not apply, the sweep's rates do. */
    private Map<String, Object> sharedSettings() {
        Map<String, Object> settings = new LinkedHashMap<>(config.toMap());
        settings.remove("rate");
        settings.remove("ratePerSender");
        return settings;
    }
}
