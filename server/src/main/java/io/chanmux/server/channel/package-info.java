/**
 * The data plane: one {@link io.chanmux.server.channel.RelayChannel} per channel, each served by
 * its own virtual thread doing blocking receive then fan-out, reading the immutable {@link
 * io.chanmux.server.channel.PeerTable} of members its pool publishes. The channel thread is the
 * single writer of everything on the datagram path: it binds peers (return-routable, through a
 * CHALLENGE and a CONFIRM carrying a {@link io.chanmux.server.channel.BindCookies cookie}), sends
 * every datagram on its socket and writes its counters. No locks and no per-datagram allocation of
 * our own on the forwarding path; bad datagrams are counted and dropped.
 */
package io.chanmux.server.channel;
