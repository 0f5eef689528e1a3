package io.chanmux.loadtest.report;

/**
 * One point of a latency percentile curve.
 *
 * @param percentile from 0 to 100
 * @param valueNs    the latency at that percentile
 */
public record PercentilePoint(double percentile, long valueNs) {
}
