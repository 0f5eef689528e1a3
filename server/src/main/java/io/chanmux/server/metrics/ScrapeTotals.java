package io.chanmux.server.metrics;

import io.chanmux.server.pool.ChannelDirectory;

/**
 * The relay counter totals one scrape reads: a scrape calls a callback per metric, and each would
 * otherwise walk every channel; here one walk serves every callback of the scrape (totals younger
 * than {@link #FRESH_NS} are reused). Called by the metrics endpoint's threads only; the lock is
 * theirs alone, never the pools' or the channels'.
 */
final class ScrapeTotals {
    /** How long one walk's totals serve: longer than a scrape's callbacks take, far shorter than a scrape interval. */
    static final long FRESH_NS = 100_000_000L;

    private final ChannelDirectory directory;
    private long[] totals;
    private long takenNs;

    ScrapeTotals(ChannelDirectory directory) {
        this.directory = directory;
    }

    /** Every relay counter summed, indexed by ordinal. */
    synchronized long[] get() {
        long now = System.nanoTime();
        if (totals == null || now - takenNs > FRESH_NS) {
            totals = directory.counterTotals();
            takenNs = now;
        }
        return totals;
    }
}
