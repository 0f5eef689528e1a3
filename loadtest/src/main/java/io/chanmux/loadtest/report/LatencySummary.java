package io.chanmux.loadtest.report;

import org.HdrHistogram.Histogram;

/**
 * The percentiles of a latency histogram, in nanoseconds.
 *
 * @param count  values recorded
 * @param meanNs their mean
 * @param p50Ns  median
 * @param p90Ns  90th percentile
 * @param p99Ns  99th percentile
 * @param p999Ns 99.9th percentile
 * @param maxNs  the largest
 */
public record LatencySummary(long count, double meanNs, long p50Ns, long p90Ns, long p99Ns, long p999Ns, long maxNs) {
    /** No values. */
    public static final LatencySummary EMPTY = new LatencySummary(0, 0, 0, 0, 0, 0, 0);

    /** The summary of {@code histogram}. */
    public static LatencySummary of(Histogram histogram) {
        if (histogram.getTotalCount() == 0) {
            return EMPTY;
        }
        return new LatencySummary(histogram.getTotalCount(), histogram.getMean(),
                histogram.getValueAtPercentile(50), histogram.getValueAtPercentile(90),
                histogram.getValueAtPercentile(99), histogram.getValueAtPercentile(99.9), histogram.getMaxValue());
    }
}
