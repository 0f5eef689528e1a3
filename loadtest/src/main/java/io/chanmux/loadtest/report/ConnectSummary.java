package io.chanmux.loadtest.report;

/**
 * How connecting went.
 *
 * @param channels        channels created
 * @param peersRequested  peers the run asked for
 * @param peersConnected  peers that joined and bound
 * @param peersFailed     peers whose hello, join or bind failed
 * @param firstError      the first failure, or null
 * @param channelsSeconds time to create every channel
 * @param peersSeconds    time from the first peer started to the last bound or failed
 * @param joinLatency     per peer: connect, hello, join and bind
 */
public record ConnectSummary(int channels, int peersRequested, int peersConnected, int peersFailed, String firstError,
                             double channelsSeconds, double peersSeconds, LatencySummary joinLatency) {
    /** Peers connected per second over the connect phase. */
    public double peersPerSecond() {
        return peersSeconds > 0 ? peersConnected / peersSeconds : 0;
    }
}
