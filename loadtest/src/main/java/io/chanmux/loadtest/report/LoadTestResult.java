package io.chanmux.loadtest.report;

import java.time.Instant;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Everything one run measured, as one immutable value that every report renders.
 *
 * @param title         one line: what was run
 * @param target        the server's control address, and whether it was embedded
 * @param startedAt     wall-clock start of the run
 * @param config        the settings, name to value (strings, numbers, booleans or null)
 * @param environment   the machine: cores, Java version, open-files limit
 * @param connect       how connecting went
 * @param traffic       what was sent and what arrived
 * @param latency       one-way latency of measured deliveries (receive time minus send time)
 * @param schedulerLag  how late senders sent, behind their intended times (measured window)
 * @param latencyCurve  the latency percentile curve of measured deliveries
 * @param server        the server's counters, CPU and memory
 * @param timeSeries    one sample per progress interval
 * @param verdict       pass or fail, and why
 * @param nodes         deliveries by the node that relays each channel (one entry against a single server)
 * @param generator     the load generator's check of itself: was it the bottleneck?
 */
public record LoadTestResult(String title, String target, Instant startedAt, Map<String, Object> config,
                             Map<String, Object> environment, ConnectSummary connect, TrafficSummary traffic,
                             LatencySummary latency, LatencySummary schedulerLag, List<PercentilePoint> latencyCurve,
                             ServerSummary server, List<IntervalSample> timeSeries, Verdict verdict,
                             List<NodeDelivery> nodes, GeneratorCheck generator) {
    /** Copies the collections (the maps may hold nulls, so they are copied as they are). */
    public LoadTestResult {
        config = Collections.unmodifiableMap(new LinkedHashMap<>(config));
        environment = Collections.unmodifiableMap(new LinkedHashMap<>(environment));
        latencyCurve = List.copyOf(latencyCurve);
        timeSeries = List.copyOf(timeSeries);
        nodes = List.copyOf(nodes);
    }
}
