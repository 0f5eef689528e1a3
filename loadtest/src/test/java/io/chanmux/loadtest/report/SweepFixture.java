package io.chanmux.loadtest.report;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Rate sweeps built from {@link ResultFixture} runs, for the knee and the sweep reports' tests. */
final class SweepFixture {
    private SweepFixture() {
    }

    /** A completed sweep at 1000, 2000, ... datagrams/s whose step i lost {@code lostOf240[i]} of 240 copies. */
    static SweepResult sweep(double maxLossPercent, long... lostOf240) {
        return sweep(maxLossPercent, Collections.nCopies(lostOf240.length, ResultFixture.GENERATOR_OK), lostOf240);
    }

    /** As {@link #sweep(double, long...)}, with step i's generator check {@code generators.get(i)}. */
    static SweepResult sweep(double maxLossPercent, List<GeneratorCheck> generators, long... lostOf240) {
        List<SweepStep> steps = new ArrayList<>();
        List<Double> rates = new ArrayList<>();
        for (int i = 0; i < lostOf240.length; i++) {
            double rate = 1000.0 * (i + 1);
            rates.add(rate);
            steps.add(new SweepStep(rate, ResultFixture.sample("step " + (i + 1), 120, lostOf240[i], 0,
                    generators.get(i))));
        }
        return new SweepResult("2 channels x 3 peers", "embedded 127.0.0.1:40000",
                Instant.parse("2026-01-02T03:04:05Z"), config(rates), Map.of("cores", 2), maxLossPercent, rates, steps,
                null);
    }

    /** Steps with these losses, in percent of 240 copies rounded down to whole copies. */
    static List<SweepStep> steps(double... lossPercents) {
        List<SweepStep> steps = new ArrayList<>();
        for (int i = 0; i < lossPercents.length; i++) {
            long lost = Math.round(lossPercents[i] * 240 / 100);
            steps.add(new SweepStep(1000.0 * (i + 1), ResultFixture.sample("step", 120, lost, 0)));
        }
        return steps;
    }

    private static Map<String, Object> config(List<Double> rates) {
        Map<String, Object> config = new LinkedHashMap<>();
        config.put("channels", 2);
        config.put("peersPerChannel", 3);
        config.put("sweepRates", rates);
        config.put("server", null);
        return config;
    }
}
