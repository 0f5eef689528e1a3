package io.chanmux.loadtest.traffic;

/**
 * What one sender sent, by sequence number: {@code [0, firstMeasured)} during warmup and
 * {@code [firstMeasured, end)} during the measured window. Known exactly once the sender finished.
 *
 * @param peer          the sender's peer id
 * @param firstMeasured the first sequence number sent (intended) at or after the measurement start
 * @param end           the first sequence number not sent
 */
public record SenderWindow(int peer, long firstMeasured, long end) {
    /** Datagrams sent during warmup. */
    public long warmupCount() {
        return firstMeasured;
    }

    /** Datagrams sent during the measured window. */
    public long measuredCount() {
        return end - firstMeasured;
    }
}
