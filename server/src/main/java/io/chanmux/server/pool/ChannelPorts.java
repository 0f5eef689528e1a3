package io.chanmux.server.pool;

import java.nio.channels.DatagramChannel;

/**
 * Where channels' UDP sockets come from. Owned by the {@link ChannelDirectory}'s thread; not
 * thread-safe.
 */
interface ChannelPorts {
    /** A newly bound socket for a channel, or null when no port is free. */
    DatagramChannel open();

    /** Returns a port. Call after its socket is closed. */
    void release(int port);

    /** Ports handed out and not yet released. */
    int inUse();

    /** What to tell a client when {@link #open} found nothing, e.g. the range that is full. */
    String exhausted();
}
