package io.chanmux.server.control;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.SocketAddress;
import java.time.Duration;

/**
 * The byte streams of one accepted control connection: plain TCP, or TLS over it
 * ({@link io.chanmux.server.control.tls.ControlTls}). A session sees only this, so it reads and
 * writes lines the same way over either.
 *
 * <p>Threading: the session's own thread calls {@link #input} and {@link #setReadTimeout}; the
 * thread that holds its outbox's writer's role (the session's own thread, or a writer thread
 * started for events) calls {@link #output} and {@link #shutdownOutput}; any thread may call
 * {@link #close}, {@link #isOpen} and {@link #remoteAddress}.
 */
public interface ControlTransport {
    /**
     * The stream requests arrive on. Over TLS the first call completes the handshake, and a
     * handshake that fails (or is cut short by {@link #close}) throws
     * {@link javax.net.ssl.SSLHandshakeException}.
     */
    InputStream input() throws IOException;

    /** The stream replies and events go out on. */
    OutputStream output() throws IOException;

    /** Bounds each later read of {@link #input}; zero waits forever. */
    void setReadTimeout(Duration timeout) throws IOException;

    /** Ends our direction (over TLS, after a close_notify) and keeps reading possible. */
    void shutdownOutput() throws IOException;

    /** Whether {@link #close} has not been called yet. */
    boolean isOpen();

    /** The client's address. */
    SocketAddress remoteAddress() throws IOException;

    /**
     * Closes the TCP connection at once, without a TLS goodbye, so that it never waits for a
     * writer stuck on a client that does not read; blocked reads and writes then fail.
     */
    void close() throws IOException;
}
