package io.chanmux.server.control;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.SocketAddress;
import java.nio.channels.SocketChannel;
import java.time.Duration;

/**
 * A control connection over plain TCP: the accepted channel's own streams.
 *
 * @param channel the accepted connection, in blocking mode
 */
record PlainTransport(SocketChannel channel) implements ControlTransport {
    @Override
    public InputStream input() throws IOException {
        return channel.socket().getInputStream();
    }

    @Override
    public OutputStream output() throws IOException {
        return channel.socket().getOutputStream();
    }

    @Override
    public void setReadTimeout(Duration timeout) throws IOException {
        channel.socket().setSoTimeout((int) timeout.toMillis());
    }

    @Override
    public void shutdownOutput() throws IOException {
        channel.shutdownOutput();
    }

    @Override
    public boolean isOpen() {
        return channel.isOpen();
    }

    @Override
    public SocketAddress remoteAddress() throws IOException {
        return channel.getRemoteAddress();
    }

    @Override
    public void close() throws IOException {
        channel.close();
    }
}
