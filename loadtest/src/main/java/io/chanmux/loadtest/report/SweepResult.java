package io.chanmux.loadtest.report;

import java.time.Instant;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A rate sweep: one complete run per rate, in increasing order, and the knee, the first step
 * whose loss exceeds {@code --max-loss}. The knee is a finding, not a failure: a sweep fails only
 * when an integrity check failed at some step ({@link #exitStatus}).
 *
 * @param title          one line: the setup every step shares, and the rates
 * @param target         the server's control address (of the first step; embedded runs start a server per step)
 * @param startedAt      wall-clock start of the sweep
 * @param config         the shared settings, name to value
 * @param environment    the machine: cores, Java version, open-files limit
 * @param maxLossPercent the loss limit that defines the knee
 * @param rates          every rate asked for, including steps that did not run
 * @param steps          the steps that ran, in order
 * @param abortedReason  why the sweep stopped before its last rate, or null when every step ran
 */
public record SweepResult(String title, String target, Instant startedAt, Map<String, Object> config,
                          Map<String, Object> environment, double maxLossPercent, List<Double> rates,
                          List<SweepStep> steps, String abortedReason) {
    /** Copies the collections (the maps may hold nulls, so they are copied as they are). */
    public SweepResult {
        config = Collections.unmodifiableMap(new LinkedHashMap<>(config));
        environment = Collections.unmodifiableMap(new LinkedHashMap<>(environment));
        rates = List.copyOf(rates);
        steps = List.copyOf(steps);
    }

    /**
     * The index of the first step whose loss is above {@code maxLossPercent}, or -1 when every
     * step stayed within it. Later steps are not consulted: once the relay loses more than the
     * limit, a later step that happens to lose less does not move the knee.
     */
    public static int kneeIndex(List<SweepStep> steps, double maxLossPercent) {
        for (int i = 0; i < steps.size(); i++) {
            if (steps.get(i).lossPercent() > maxLossPercent) {
                return i;
            }
        }
        return -1;
    }

    /** The index of this sweep's knee, or -1. */
    public int kneeIndex() {
        return kneeIndex(steps, maxLossPercent);
    }

    /** The knee step, if loss exceeded the limit at some step. */
    public Optional<SweepStep> knee() {
        int index = kneeIndex();
        return index < 0 ? Optional.empty() : Optional.of(steps.get(index));
    }

    /** Whether every rate asked for ran. */
    public boolean completed() {
        return abortedReason == null;
    }

    /** Whether an integrity check failed at any step. */
    public boolean integrityFailed() {
        return steps.stream().anyMatch(SweepStep::integrityFailed);
    }

    /** 0, or {@link Verdict#FAILED} when an integrity check failed at any step; loss alone never fails a sweep. */
    public int exitStatus() {
        return integrityFailed() ? Verdict.FAILED : 0;
    }
}
