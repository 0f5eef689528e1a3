package io.chanmux.protocol.client;

import java.net.InetSocketAddress;

/**
 * What a {@code join} granted, before any socket is opened: for clients that carry several peers,
 * of different channels, on one UDP socket ({@link ChanmuxClient#joinMembership}). A
 * {@link PeerHandle} is a membership with a socket of its own.
 *
 * @param channel the channel id
 * @param peer    the peer id the server assigned, as carried in the datagram header
 * @param token   the 16-byte bind token; shared, do not modify
 * @param relay   the channel's UDP address on the server (the control connection's host, the reply's port)
 */
public record Membership(String channel, int peer, byte[] token, InetSocketAddress relay) {
}
