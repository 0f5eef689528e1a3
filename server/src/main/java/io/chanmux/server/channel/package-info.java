/**
 * The data plane. A {@link io.chanmux.server.channel.RelayChannel} is a channel's members (the
 * immutable {@link io.chanmux.server.channel.PeerTable} its pool publishes) and counters; a
 * {@link io.chanmux.server.channel.RelayPort} is one UDP socket and the thread that reads it,
 * doing receive, validation, binding and fan-out: a virtual thread of its own in blocking receive,
 * or (a channel's own port with {@code --udp-engine poll-loop}) its pool's selector thread. A
 * channel has a port of its own, or every channel shares one port whose sockets (one per pool,
 * {@code SO_REUSEPORT}) find the sender through the pools' {@link
 * io.chanmux.server.channel.PeerIndex}es. A socket thread is the single
 * writer of everything it sends and of its own row of every counter; it binds peers whose
 * return-routable proof (a CONFIRM carrying a {@link io.chanmux.server.channel.BindCookies cookie})
 * it verified. No locks and no per-datagram allocation of our own on the forwarding path; bad
 * datagrams are counted and dropped.
 */
package io.chanmux.server.channel;
