package io.chanmux.protocol.client;

/**
 * A channel as {@code create} and {@code list} describe it.
 *
 * @param channel  the channel id (16 lowercase hex characters)
 * @param name     the channel's name, or null
 * @param port     the channel's UDP port on the server
 * @param peers    members at the time of the reply (0 for a new channel)
 * @param maxPeers the most members the channel accepts
 */
public record ChannelInfo(String channel, String name, int port, int peers, int maxPeers) {
}
