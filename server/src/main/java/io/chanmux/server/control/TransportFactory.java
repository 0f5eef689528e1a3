package io.chanmux.server.control;

import java.io.IOException;
import java.nio.channels.SocketChannel;

/**
 * Makes an accepted connection's {@link ControlTransport}: plain TCP ({@link #PLAIN}), or TLS over
 * it ({@link io.chanmux.server.control.tls.ControlTls}, which the server wires in, so this package
 * does not depend on the TLS one). Called on the listener thread.
 */
public interface TransportFactory {
    /** Plain TCP: the accepted channel's own streams. */
    TransportFactory PLAIN = new TransportFactory() {
        @Override
        public ControlTransport open(SocketChannel accepted) {
            return new PlainTransport(accepted);
        }

        @Override
        public boolean speaksPlainText() {
            return true;
        }
    };

    /** The transport of a newly accepted connection. */
    ControlTransport open(SocketChannel accepted) throws IOException;

    /** Whether a line can be written before any handshake (a refusal to a connection over the limit). */
    boolean speaksPlainText();
}
