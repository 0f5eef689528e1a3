package io.chanmux.server.pool;

/**
 * What a successful {@code create} returns.
 *
 * @param channel  the new channel's id
 * @param port     its UDP port
 * @param maxPeers its member limit
 */
public record ChannelCreated(String channel, int port, int maxPeers) {
}
