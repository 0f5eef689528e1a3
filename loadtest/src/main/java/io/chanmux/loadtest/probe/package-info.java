/**
 * What the load test observes of the server from outside the data plane:
 * {@link io.chanmux.loadtest.probe.ServerProbe} reads {@code /proc} (CPU time, resident memory,
 * the open-files limit) and {@link io.chanmux.loadtest.probe.RelayStats} polls the server's
 * {@code stats} op over one control session.
 *
 * <p>Threading: both are safe to call from the reporter thread and the run's owner thread.
 */
package io.chanmux.loadtest.probe;
