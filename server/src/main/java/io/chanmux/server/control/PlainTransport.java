package io.chanmux.server.control;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.channels.SocketChannel;
import java.time.Duration;

/** A control connection over plain TCP: the accepted channel's own streams. */
final class PlainTransport extends AcceptedTransport {
    PlainTransport(SocketChannel channel) {
        super(channel);
    }

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
}
