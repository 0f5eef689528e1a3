/**
 * The chanmux load test: {@link io.chanmux.loadtest.LoadTestMain} (command line, thin),
 * {@link io.chanmux.loadtest.LoadTestConfig} (every setting, validated once) with its presets
 * ({@link io.chanmux.loadtest.Scenarios}), and {@link io.chanmux.loadtest.LoadTest}, which runs the
 * phases: create channels, connect peers at the ramp rate, warm up, measure, drain, evaluate.
 * {@link io.chanmux.loadtest.RateSweep} runs one such load test per rate of {@code --sweep} to find
 * the knee, the first rate whose loss exceeds {@code --max-loss}.
 * Sub-packages hold the simulated peers and their accounting ({@code traffic}), the server probes
 * ({@code probe}) and the reports ({@code report}).
 *
 * <p>Threading: the run's owner thread forks one virtual thread per peer (which forks its
 * receiver) and the progress reporter in one {@link java.util.concurrent.StructuredTaskScope};
 * closing the scope ends them all.
 */
package io.chanmux.loadtest;
