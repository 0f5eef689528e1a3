package io.chanmux.server.pool;

import java.nio.channels.DatagramChannel;
import java.util.List;

/**
 * Where channels' UDP ports come from: a socket of its own per channel from a range
 * ({@link PortAllocator}), or one port every channel shares ({@link SharedPort}). Owned by the
 * {@link ChannelDirectory}'s thread; not thread-safe.
 */
interface ChannelPorts {
    /** The port for a new channel, with a newly bound socket when it gets one of its own; null when no port is free. */
    ChannelSocket open();

    /** Returns a channel's port. Call after its socket, if it had one, is closed. */
    void release(int port);

    /** Ports in use by channels. */
    int inUse();

    /** What to tell a client when {@link #open} found nothing, e.g. the range that is full. */
    String exhausted();

    /**
     * The sockets every channel shares, each to be read by a thread of its own; empty when each
     * channel has a socket of its own.
     */
    List<DatagramChannel> sharedSockets();
}
