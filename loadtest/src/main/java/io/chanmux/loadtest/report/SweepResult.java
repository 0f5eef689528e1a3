package io.chanmux.loadtest.report;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A rate sweep: one complete run per rate, in increasing order, and the knee, the first step
 * whose loss exceeds {@code --max-loss}. The knee is a finding, not a failure: a sweep fails
 * when an integrity check failed at some step, or when the load generator was the bottleneck at
 * a step that decides the knee and {@code --allow-generator-bound} was not given ({@link #failures}).
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

    /**
     * The 1-based numbers of the steps that decide the knee (every step up to and including it, or
     * every step when there is none) at which the load generator was the bottleneck. Past the knee
     * the server's limit is found already: a generator that falls behind there changes no finding.
     */
    public List<Integer> generatorBoundSteps() {
        int knee = kneeIndex();
        int deciding = knee < 0 ? steps.size() : knee + 1;
        List<Integer> bound = new ArrayList<>();
        for (int i = 0; i < deciding; i++) {
            if (steps.get(i).run().generator().bound()) {
                bound.add(i + 1);
            }
        }
        return bound;
    }

    /**
     * The sentence the sweep's reports lead with when {@link #generatorBoundSteps} is not empty:
     * those steps, and why the first of them was bound; empty otherwise.
     */
    public String headline() {
        List<Integer> bound = generatorBoundSteps();
        if (bound.isEmpty()) {
            return "";
        }
        String steps = "the latency and loss at " + stepList(bound);
        return generatorOf(bound.getFirst()).headline(kneeIndex() < 0 ? steps + " are"
                : "the knee, and " + steps + ", are");
    }

    /**
     * One sentence per reason the sweep fails: an integrity check failed at some step, or the load
     * generator was the bottleneck at a step that decides the knee (unless that was allowed). Loss
     * alone never fails a sweep.
     */
    public List<String> failures() {
        List<String> failures = new ArrayList<>();
        if (integrityFailed()) {
            failures.add("an integrity check failed (echo, corrupt or duplicate datagrams); see the notes");
        }
        List<Integer> bound = generatorBoundSteps();
        if (bound.stream().anyMatch(step -> generatorOf(step).failsRun())) {
            failures.add("the load generator was the bottleneck at " + stepList(bound)
                    + " (--allow-generator-bound accepts such a sweep)");
        }
        return failures;
    }

    /** 0, or {@link Verdict#FAILED} when there are {@link #failures}. */
    public int exitStatus() {
        return failures().isEmpty() ? 0 : Verdict.FAILED;
    }

    private GeneratorCheck generatorOf(int stepNumber) {
        return steps.get(stepNumber - 1).run().generator();
    }

    /** "step 2", or "steps 2, 3". */
    private static String stepList(List<Integer> numbers) {
        return (numbers.size() == 1 ? "step " : "steps ") + String.join(", ", numbers.stream().map(String::valueOf)
                .toList());
    }
}
