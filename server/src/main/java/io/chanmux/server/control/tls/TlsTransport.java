package io.chanmux.server.control.tls;

import io.chanmux.server.control.AcceptedTransport;

import javax.net.ssl.SSLHandshakeException;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.SSLSocketFactory;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.channels.SocketChannel;
import java.time.Duration;

/**
 * A control connection under TLS: a server-mode {@link SSLSocket} layered over the accepted
 * channel's socket. Nothing is exchanged until the session's reader asks for {@link #input}, which
 * runs the handshake on the session's thread; until the first request line arrives, the session's
 * line timeout bounds it, because closing the channel ends a stalled handshake.
 *
 * <p>Threading: as {@link io.chanmux.server.control.ControlTransport}; {@code handshaken} belongs to
 * the reader thread.
 * Reads and writes may run at once on two threads, as {@link SSLSocket} allows.
 */
final class TlsTransport extends AcceptedTransport {
    /** TLS 1.0 and 1.1 are broken; the JDK disables them too, but the control port must not depend on that. */
    private static final String[] PROTOCOLS = {"TLSv1.3", "TLSv1.2"};

    private final SSLSocket socket;
    private boolean handshaken;

    TlsTransport(SocketChannel channel, SSLSocketFactory factory) throws IOException {
        super(channel);
        // Server mode; closing it would close the channel too, but it is never closed (see AcceptedTransport).
        this.socket = (SSLSocket) factory.createSocket(channel.socket(), null, true);
        socket.setEnabledProtocols(PROTOCOLS);
    }

    @Override
    public InputStream input() throws IOException {
        if (!handshaken) {
            try {
                socket.startHandshake();
            } catch (SSLHandshakeException e) {
                throw e;
            } catch (IOException e) {
                // Plain text instead of a ClientHello, a reset, or our own close at the line timeout.
                throw new SSLHandshakeException("TLS handshake failed: " + e.getMessage(), e);
            }
            handshaken = true;
        }
        return socket.getInputStream();
    }

    @Override
    public OutputStream output() throws IOException {
        // Writes wait for the handshake the reader runs.
        return socket.getOutputStream();
    }

    @Override
    public void setReadTimeout(Duration timeout) throws IOException {
        socket.setSoTimeout((int) timeout.toMillis());
    }

    @Override
    public void shutdownOutput() throws IOException {
        socket.shutdownOutput();
    }
}
