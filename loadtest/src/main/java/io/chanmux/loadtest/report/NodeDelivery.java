package io.chanmux.loadtest.report;

/**
 * What the peers of the channels on one node received: the load test's view of one node of a
 * cluster (its channels are relayed there and nowhere else). A run against a single server has
 * one of these.
 *
 * @param node               the node's id from {@code nodes}, or its control address when it did not say
 * @param channels           channels the run placed there
 * @param delivered          distinct copies of measured datagrams received from those channels
 * @param deliveredPerSecond {@code delivered} over the measured window
 */
public record NodeDelivery(String node, int channels, long delivered, double deliveredPerSecond) {
}
