package io.chanmux.loadtest.report;

/**
 * One progress interval (normally a second) of the traffic, as printed and kept for the time series.
 * A figure that could not be measured is negative.
 *
 * @param elapsedSeconds          end of the interval, seconds since traffic start
 * @param phase                   {@code warmup}, {@code measure} or {@code drain}
 * @param offeredPerSecond        DATA datagrams sent per second
 * @param relayInPerSecond        datagrams the server received per second (its {@code datagramsIn}), or -1
 * @param deliveredPerSecond      distinct copies received per second
 * @param lostSoFar               sequence gaps open at the end of the interval
 * @param lossPercentSoFar        those gaps in percent of copies delivered or missing so far
 * @param p50Ns                   median latency of the interval's deliveries
 * @param p99Ns                   99th percentile of the interval
 * @param maxNs                   largest latency of the interval
 * @param lagP99Ns                99th percentile of the senders' lag behind schedule
 * @param serverCpuPercent        server CPU in percent of one core, or -1
 * @param loadGeneratorCpuPercent this process's CPU in percent of one core, or -1
 */
public record IntervalSample(double elapsedSeconds, String phase, double offeredPerSecond, double relayInPerSecond,
                             double deliveredPerSecond, long lostSoFar, double lossPercentSoFar, long p50Ns,
                             long p99Ns, long maxNs, long lagP99Ns, double serverCpuPercent,
                             double loadGeneratorCpuPercent) {
}
