package io.chanmux.loadtest.report;

import java.util.Map;

/**
 * What the server reported and what {@code /proc} showed of it over the run.
 *
 * @param pid                     the server's pid, or -1 when unknown
 * @param embedded                whether it ran inside the load test's JVM
 * @param counters                its {@code stats} counters, as differences over the measured window and drain
 * @param dropped                 its drop counters by reason, as differences
 * @param cpuPercent              its CPU over the measured window in percent of one core, or -1
 * @param loadGeneratorCpuPercent this process's CPU over the same window, or -1 (the same process when embedded)
 * @param memory                  resident memory and heap figures
 */
public record ServerSummary(long pid, boolean embedded, Map<String, Long> counters, Map<String, Long> dropped,
                            double cpuPercent, double loadGeneratorCpuPercent, MemorySummary memory) {
    /** Copies the maps. */
    public ServerSummary {
        counters = Map.copyOf(counters);
        dropped = Map.copyOf(dropped);
    }

    /** The total of the drop counters. */
    public long droppedTotal() {
        return dropped.getOrDefault("total", 0L);
    }
}
