package io.chanmux.server.pool;

import java.nio.channels.DatagramChannel;

/**
 * The port a new channel gets from {@link ChannelPorts}.
 *
 * @param port   the UDP port clients send to
 * @param socket a socket of the channel's own, bound to {@code port}; null when the channel is
 *               served on the shared port
 */
record ChannelSocket(int port, DatagramChannel socket) {
}
