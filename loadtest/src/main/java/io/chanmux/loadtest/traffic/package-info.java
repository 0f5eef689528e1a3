/**
 * The data plane of the load test: {@link io.chanmux.loadtest.traffic.SimulatedPeer} (one real peer:
 * a control session, a UDP socket, a sender and a receiver virtual thread), the open-loop
 * {@link io.chanmux.loadtest.traffic.RateScheduler}, the self-describing
 * {@link io.chanmux.loadtest.traffic.PayloadFormat}, and the per-receiver
 * {@link io.chanmux.loadtest.traffic.DeliveryRecorder} that accounts for loss, duplicates and
 * reordering from sequence numbers.
 *
 * <p>Threading: each peer's sender and receiver threads own their peer's scheduler and recorder;
 * they share only {@link io.chanmux.loadtest.traffic.TrafficCounters} ({@code LongAdder}s and
 * HdrHistogram {@code Recorder}s, no locks), which the progress reporter reads.
 */
package io.chanmux.loadtest.traffic;
