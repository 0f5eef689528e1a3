/**
 * The data plane: one {@link io.chanmux.server.channel.RelayChannel} per channel, each served by
 * its own virtual thread doing blocking receive then fan-out, reading the immutable {@link
 * io.chanmux.server.channel.PeerTable} its pool publishes. No locks and no per-datagram
 * allocation of our own on the receive path; bad datagrams are counted and dropped.
 */
package io.chanmux.server.channel;
