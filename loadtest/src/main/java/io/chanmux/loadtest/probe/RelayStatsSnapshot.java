package io.chanmux.loadtest.probe;

import com.fasterxml.jackson.databind.JsonNode;

import java.util.Map;
import java.util.TreeMap;

/**
 * The server's {@code stats} reply at one moment: every numeric counter, and the drop counters
 * by reason. The load test reports differences between two snapshots, so a server that ran
 * before the test does not distort the figures.
 *
 * @param counters every numeric top-level field ({@code datagramsIn}, {@code forwarded},
 *                 {@code sendErrors}, {@code sessions}, ...), sorted by name
 * @param dropped  the {@code dropped} object's counters by reason, {@code total} included
 */
public record RelayStatsSnapshot(Map<String, Long> counters, Map<String, Long> dropped) {
    /** A snapshot with no counters (the server could not be asked). */
    public static final RelayStatsSnapshot EMPTY = new RelayStatsSnapshot(Map.of(), Map.of());

    /** Copies the maps. */
    public RelayStatsSnapshot {
        counters = Map.copyOf(counters);
        dropped = Map.copyOf(dropped);
    }

    /** Reads a {@code stats} reply. */
    public static RelayStatsSnapshot fromReply(JsonNode reply) {
        Map<String, Long> counters = new TreeMap<>();
        for (Map.Entry<String, JsonNode> field : reply.properties()) {
            if (field.getValue().isIntegralNumber() && !field.getKey().equals("id")) {
                counters.put(field.getKey(), field.getValue().asLong());
            }
        }
        Map<String, Long> dropped = new TreeMap<>();
        for (Map.Entry<String, JsonNode> field : reply.path("dropped").properties()) {
            if (field.getValue().isIntegralNumber()) {
                dropped.put(field.getKey(), field.getValue().asLong());
            }
        }
        return new RelayStatsSnapshot(counters, dropped);
    }

    /** A counter, or 0 when absent. */
    public long counter(String name) {
        return counters.getOrDefault(name, 0L);
    }

    /** The total of the drop counters, or 0 when absent. */
    public long droppedTotal() {
        return dropped.getOrDefault("total", 0L);
    }

    /**
     * This snapshot minus an earlier one, counter by counter. Gauges ({@code sessions},
     * {@code channels}, {@code peers}) keep this snapshot's value.
     */
    public RelayStatsSnapshot since(RelayStatsSnapshot earlier) {
        Map<String, Long> counterDelta = new TreeMap<>();
        counters.forEach((name, value) -> counterDelta.put(name,
                isGauge(name) ? value : value - earlier.counters.getOrDefault(name, 0L)));
        Map<String, Long> droppedDelta = new TreeMap<>();
        dropped.forEach((name, value) -> droppedDelta.put(name, value - earlier.dropped.getOrDefault(name, 0L)));
        return new RelayStatsSnapshot(counterDelta, droppedDelta);
    }

    private static boolean isGauge(String name) {
        return name.equals("sessions") || name.equals("channels") || name.equals("peers");
    }
}
