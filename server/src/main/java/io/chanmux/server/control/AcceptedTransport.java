package io.chanmux.server.control;

import java.io.IOException;
import java.net.SocketAddress;
import java.nio.channels.SocketChannel;

/**
 * What every {@link ControlTransport} over an accepted TCP channel does the same way, plain or TLS:
 * it is open while the channel is, its peer is the channel's, and closing it closes the channel at
 * once — never a TLS layer above it, whose close would send close_notify under the writer's lock
 * and so wait as long as a writer stuck on a client that does not read.
 */
public abstract class AcceptedTransport implements ControlTransport {
    /** The accepted connection, in blocking mode. */
    protected final SocketChannel channel;

    protected AcceptedTransport(SocketChannel channel) {
        this.channel = channel;
    }

    @Override
    public final boolean isOpen() {
        return channel.isOpen();
    }

    @Override
    public final SocketAddress remoteAddress() throws IOException {
        return channel.getRemoteAddress();
    }

    @Override
    public final void close() throws IOException {
        channel.close();
    }
}
