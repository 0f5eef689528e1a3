package io.chanmux.loadtest.report;

import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** A complete, plausible {@link LoadTestResult} for the report writers' tests. */
final class ResultFixture {
    /** A generator well inside both limits. */
    static final GeneratorCheck GENERATOR_OK = GeneratorCheck.judge(50, 1, 1_000_000, false);

    private ResultFixture() {
    }

    static LoadTestResult sample(String title, long relayIn) {
        return sample(title, relayIn, 0, 0);
    }

    /** A run over two nodes whose measured window lost {@code lost} of 240 expected copies and saw {@code duplicates}. */
    static LoadTestResult sample(String title, long relayIn, long lost, long duplicates) {
        return sample(title, relayIn, lost, duplicates, GENERATOR_OK);
    }

    /** As {@link #sample(String, long, long, long)}, with the generator's check of itself given. */
    static LoadTestResult sample(String title, long relayIn, long lost, long duplicates, GeneratorCheck generator) {
        Map<String, Object> config = new LinkedHashMap<>();
        config.put("server", null);
        config.put("embedded", true);
        config.put("scenario", "voice-small");
        config.put("channels", 2);
        config.put("peersPerChannel", 3);
        config.put("sendersPerChannel", 3);
        config.put("rate", "60");
        config.put("payloadBytes", 64);
        config.put("durationSeconds", 2.0);
        config.put("warmupSeconds", 1.0);
        config.put("rampPeersPerSecond", 500.0);
        config.put("maxLossPercent", 0.1);
        config.put("serverPid", null);
        Map<String, Object> environment = new LinkedHashMap<>();
        environment.put("cores", 2);
        environment.put("javaVersion", "25");
        environment.put("openFilesLimit", 20000L);
        LatencySummary latency = new LatencySummary(240, 150_000, 120_000, 200_000, 900_000, 1_500_000, 2_000_000);
        ConnectSummary connect = new ConnectSummary(2, 6, 6, 0, null, 0.1, 0.2, latency);
        TrafficSummary traffic = new TrafficSummary(1, 2, 0.1, 120, relayIn, 240 - lost, 240, lost, 100.0 * lost / 240,
                0.1, 60, 120, 0, duplicates, 0, 0,
                Map.of("bad_length", 0L, "beyond_end", 0L), 0, 4, 4, 0, 0, -1, -1);
        MemorySummary memory = new MemorySummary(80_000_000, 90_000_000, 91_000_000, 1_666_666.7, 5_000_000, 6_000_000,
                166_666.7, true);
        ServerSummary server = new ServerSummary(1234, true, Map.of("datagramsIn", 120L, "forwarded", 240L),
                Map.of("total", 0L, "not_bound", 0L), 12.5, 30.0, memory);
        List<IntervalSample> series = List.of(
                new IntervalSample(1, "warmup", 60, 61, 120, 0, 0, 100_000, 800_000, 900_000, 50_000, 10, 20),
                new IntervalSample(2, "measure", 60, -1, 120, 0, 0, 110_000, 850_000, 950_000, 40_000, -1, 21),
                new IntervalSample(3, "measure", 60, 60, 120, 0, 0, 120_000, 900_000, 990_000, 45_000, 12, 22));
        List<PercentilePoint> curve = List.of(new PercentilePoint(0, 50_000), new PercentilePoint(50, 120_000),
                new PercentilePoint(99, 900_000), new PercentilePoint(99.9, 1_500_000), new PercentilePoint(100, 2_000_000));
        List<NodeDelivery> nodes = List.of(new NodeDelivery("a", 1, 120, 60), new NodeDelivery("b", 1, 120 - lost,
                (120 - lost) / 2.0));
        return new LoadTestResult(title, "embedded 127.0.0.1:40000", Instant.parse("2026-01-02T03:04:05Z"), config,
                environment, connect, traffic, latency, latency, curve, server, series, Verdict.judge(connect, traffic, generator),
                nodes, generator);
    }
}
