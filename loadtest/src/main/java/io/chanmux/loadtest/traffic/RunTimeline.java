package io.chanmux.loadtest.traffic;

import java.time.Duration;

/**
 * The three instants of a run's traffic, as {@code System.nanoTime()} values, fixed once every
 * peer is connected: senders start at {@code trafficStartNs}, datagrams sent from
 * {@code measureStartNs} on are measured, and none is sent at or after {@code trafficEndNs}.
 *
 * @param trafficStartNs when the warmup starts
 * @param measureStartNs when the warmup ends and the measured window starts
 * @param trafficEndNs   when the measured window ends
 */
public record RunTimeline(long trafficStartNs, long measureStartNs, long trafficEndNs) {
    /** A timeline starting at {@code startNs} with the given warmup and measured durations. */
    public static RunTimeline starting(long startNs, Duration warmup, Duration measured) {
        long measureStart = startNs + warmup.toNanos();
        return new RunTimeline(startNs, measureStart, measureStart + measured.toNanos());
    }

    /** Whether a datagram sent at {@code sendNs} belongs to the measured window. */
    public boolean isMeasured(long sendNs) {
        return sendNs - measureStartNs >= 0;
    }
}
