package io.chanmux.loadtest.traffic;

/**
 * Delivery accounting of one receiver, or summed over many: what should have arrived, what did,
 * and what arrived wrongly. Counts are copies (one datagram to three receivers counts three).
 *
 * @param expected         copies that should have arrived from the measured window
 * @param delivered        distinct copies that did arrive from the measured window
 * @param warmupExpected   copies that should have arrived from the warmup
 * @param warmupDelivered  distinct copies that did arrive from the warmup
 * @param duplicates       copies that arrived again (whole run)
 * @param reordered        copies that arrived after a later one from the same sender (whole run)
 * @param beyondEnd        copies with a sequence number their sender never sent (whole run)
 */
public record DeliveryTally(long expected, long delivered, long warmupExpected, long warmupDelivered,
                            long duplicates, long reordered, long beyondEnd) {
    /** Nothing expected, nothing seen. */
    public static final DeliveryTally EMPTY = new DeliveryTally(0, 0, 0, 0, 0, 0, 0);

    /** Copies from the measured window that never arrived. */
    public long lost() {
        return expected - delivered;
    }

    /** Copies from the warmup that never arrived. */
    public long warmupLost() {
        return warmupExpected - warmupDelivered;
    }

    /** Lost copies as a percentage of the expected ones (0 when nothing was expected). */
    public double lossPercent() {
        return expected == 0 ? 0 : 100.0 * lost() / expected;
    }

    /** The sum of this tally and {@code other}. */
    public DeliveryTally plus(DeliveryTally other) {
        return new DeliveryTally(expected + other.expected, delivered + other.delivered,
                warmupExpected + other.warmupExpected, warmupDelivered + other.warmupDelivered,
                duplicates + other.duplicates, reordered + other.reordered, beyondEnd + other.beyondEnd);
    }
}
