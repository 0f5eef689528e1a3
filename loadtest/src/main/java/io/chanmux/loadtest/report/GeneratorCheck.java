package io.chanmux.loadtest.report;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;

/**
 * The load generator's check of itself: was it the bottleneck? A generator that is short of CPU
 * sends late (its scheduler lags) and reads late (datagrams queue in its own sockets), so the
 * latency and loss it reports are its own, not the server's. The check looks at two figures over
 * the measured window: this process's CPU in percent of the cores it may use, and the p99 of how
 * late senders sent behind their schedule.
 *
 * <p>When either crosses its limit the run is <em>generator-bound</em>: every report says so
 * first, and the run fails unless {@code --allow-generator-bound} was given. A capacity test keeps
 * no schedule, so it is judged on CPU alone ({@link #judgeCpu}); a rate sweep judges each step as
 * a run ({@code SweepResult#generatorBoundSteps}).
 *
 * @param cpuPercentOfCores  this process's CPU over the measured window, in percent of all its
 *                           cores (100 = every core it may run on busy), or -1 when unknown
 * @param cores              the cores this process may run on ({@code availableProcessors}, which
 *                           follows {@code taskset})
 * @param schedulerLagP99Ns  p99 of the measured window's scheduler lag, or -1 when the run kept no
 *                           schedule (a capacity test)
 * @param bound              whether a limit was crossed
 * @param allowed            whether {@code --allow-generator-bound} lets such a run pass
 * @param reasons            one phrase per limit crossed
 */
public record GeneratorCheck(double cpuPercentOfCores, int cores, long schedulerLagP99Ns, boolean bound,
                             boolean allowed, List<String> reasons) {
    /** At or above this CPU share of its cores the generator is saturated. */
    public static final double CPU_LIMIT_PERCENT = 90;
    /** Above this scheduler-lag p99 the generator sends too late to measure the server. */
    public static final long LAG_LIMIT_NS = TimeUnit.MILLISECONDS.toNanos(10);

    /** Copies the list. */
    public GeneratorCheck {
        reasons = List.copyOf(reasons);
    }

    /**
     * Judges the measured figures against the limits.
     *
     * @param cpuPercentOfOneCore this process's CPU in percent of one core, or negative (or NaN) when unknown
     * @param cores               the cores it may run on
     * @param schedulerLagP99Ns   p99 scheduler lag of the measured window, or -1 when the run kept no schedule
     * @param allowed             whether a generator-bound run may pass
     */
    public static GeneratorCheck judge(double cpuPercentOfOneCore, int cores, long schedulerLagP99Ns, boolean allowed) {
        double ofCores = !(cpuPercentOfOneCore >= 0) ? -1 : cpuPercentOfOneCore / Math.max(1, cores); // NaN: unknown
        List<String> reasons = new ArrayList<>();
        if (ofCores >= CPU_LIMIT_PERCENT) {
            reasons.add(String.format(Locale.ROOT, "its CPU was %.0f %% of its %d core%s (limit %.0f %%)", ofCores, cores,
                    cores == 1 ? "" : "s", CPU_LIMIT_PERCENT));
        }
        if (schedulerLagP99Ns > LAG_LIMIT_NS) {
            reasons.add("its scheduler lag p99 was " + Units.millis(schedulerLagP99Ns) + " (limit "
                    + Units.millis(LAG_LIMIT_NS) + ")");
        }
        return new GeneratorCheck(ofCores, cores, schedulerLagP99Ns, !reasons.isEmpty(), allowed, reasons);
    }

    /**
     * Judges a run that keeps no schedule (a capacity test, whose channels and peers are made as
     * fast as the server answers): its CPU alone.
     *
     * @param cpuPercentOfOneCore this process's CPU in percent of one core, or negative (or NaN) when unknown
     * @param cores               the cores it may run on
     * @param allowed             whether a generator-bound run may pass
     */
    public static GeneratorCheck judgeCpu(double cpuPercentOfOneCore, int cores, boolean allowed) {
        return judge(cpuPercentOfOneCore, cores, -1, allowed);
    }

    /** Whether the CPU figure was measured; when it was not, only the scheduler lag (if any) was checked. */
    public boolean cpuKnown() {
        return cpuPercentOfCores >= 0;
    }

    /** Whether this check fails the run. */
    public boolean failsRun() {
        return bound && !allowed;
    }

    /** The sentence a run's reports lead with when the generator was the bottleneck; empty otherwise. */
    public String headline() {
        return headline("the latency and loss below are");
    }

    /**
     * The sentence a report leads with when the generator was the bottleneck, empty otherwise.
     *
     * @param figures which of the report's figures are the generator's, with their verb ("the create
     *                and join rates below are")
     */
    public String headline(String figures) {
        if (!bound) {
            return "";
        }
        return "LOAD GENERATOR BOUND: " + figures + " the load generator's, not the server's ("
                + String.join("; ", reasons) + "). Use fewer peers or a lower rate, give the generator more cores, "
                + "or pass --allow-generator-bound to accept the run.";
    }
}
