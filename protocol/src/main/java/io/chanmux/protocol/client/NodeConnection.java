package io.chanmux.protocol.client;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.chanmux.protocol.control.ControlCodec;
import io.chanmux.protocol.control.LineReader;
import io.chanmux.protocol.control.Op;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

/**
 * One control connection to one server (one node of a cluster): sends requests, matches replies
 * by id, and hands pushed events to the listener. {@link ChanmuxClient} holds one per node it uses.
 *
 * <p>Thread-safe: any thread may send requests; replies are matched on one reader virtual thread,
 * which also calls the event listener.
 */
final class NodeConnection implements AutoCloseable {
    private final SocketChannel socket;
    private final OutputStream out;
    private final Consumer<ControlEvent> listener;
    private final Map<Long, CompletableFuture<ObjectNode>> pending = new ConcurrentHashMap<>();
    private final AtomicLong nextId = new AtomicLong(1);
    private final Thread reader;
    private final Duration timeout;
    private final InetSocketAddress remote;
    private volatile IOException closedBy;

    /**
     * @param socket  the TCP connection, closed to end the session
     * @param streams where lines are read and written: the socket's own streams, or TLS over them
     */
    private NodeConnection(SocketChannel socket, Socket streams, Consumer<ControlEvent> listener, Duration timeout)
            throws IOException {
        this.socket = socket;
        this.listener = listener;
        this.timeout = timeout;
        this.remote = (InetSocketAddress) socket.getRemoteAddress();
        this.out = streams.getOutputStream();
        LineReader lines = new LineReader(streams.getInputStream(), ControlCodec.MAX_LINE_BYTES);
        this.reader = Thread.ofVirtual().name("chanmux-client-reader").start(() -> readLoop(lines));
    }

    /**
     * Connects (over TLS when {@code tls} is given, the handshake's reads bounded by
     * {@code timeout}) and sends a first {@code hello} without waiting for its reply, so the
     * connection has sent its first line at once (servers close connections that stay silent past
     * their line timeout) however long the application takes before its first request.
     */
    static NodeConnection open(InetSocketAddress control, ClientTls tls, Consumer<ControlEvent> listener,
                               Duration timeout) throws IOException {
        SocketChannel socket = SocketChannel.open(control);
        try {
            Socket adaptor = socket.socket();
            adaptor.setTcpNoDelay(true);
            Socket streams = tls == null ? adaptor
                    : tls.handshake(adaptor, control.getHostString(), control.getPort(), timeout);
            NodeConnection connection = new NodeConnection(socket, streams, listener, timeout);
            connection.write(ControlCodec.encodeRequest(connection.nextId.getAndIncrement(), Op.HELLO.wireName(),
                    ControlCodec.object().put("client", "chanmux-java")));
            return connection;
        } catch (IOException | RuntimeException e) {
            socket.close();
            throw e;
        }
    }

    /** The server's control address. */
    InetSocketAddress remoteAddress() {
        return remote;
    }

    /**
     * Sends a request and waits for its reply, success or error.
     *
     * @throws IOException when the connection fails or no reply comes within the timeout
     */
    ObjectNode request(String op, ObjectNode arguments) throws IOException {
        long id = nextId.getAndIncrement();
        CompletableFuture<ObjectNode> reply = new CompletableFuture<>();
        pending.put(id, reply);
        try {
            write(ControlCodec.encodeRequest(id, op, arguments));
            return reply.get(timeout.toNanos(), TimeUnit.NANOSECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted waiting for the reply to '" + op + "'");
        } catch (TimeoutException e) {
            throw new SocketTimeoutException("no reply to '" + op + "' within " + timeout);
        } catch (ExecutionException e) {
            throw new IOException("connection to " + remote + " failed before the reply to '" + op + "'", e.getCause());
        } finally {
            pending.remove(id);
        }
    }

    /** Whether the connection is still open. */
    boolean isOpen() {
        return closedBy == null && socket.isOpen();
    }

    /** Closes the connection; the server then removes this session's peers and channels. */
    @Override
    public void close() throws IOException {
        socket.close();
        try {
            reader.join(timeout);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void write(byte[] line) throws IOException {
        IOException failure = closedBy;
        if (failure != null) {
            throw closed(failure);
        }
        try {
            synchronized (out) {
                out.write(line);
            }
        } catch (IOException e) {
            // The server may have closed the connection for a reason the reader has yet to read (a
            // TLS alert to a plain client): that reason, not the broken pipe, is what to report.
            try {
                reader.join(timeout);
            } catch (InterruptedException interrupted) {
                Thread.currentThread().interrupt();
            }
            failure = closedBy;
            if (failure == null) {
                throw e;
            }
            IOException closed = closed(failure);
            closed.addSuppressed(e);
            throw closed;
        }
    }

    private IOException closed(IOException failure) {
        return new IOException("control connection to " + remote + " is closed", failure);
    }

    private void readLoop(LineReader lines) {
        IOException failure = new IOException("control connection closed by the server " + remote);
        try {
            byte[] line;
            while ((line = lines.readLine()) != null) {
                if (ClientTls.isTlsRecord(line)) {
                    throw new IOException("the server's control port speaks TLS; connect with a ClientTls");
                }
                dispatch(ControlCodec.decodeMessage(line));
            }
        } catch (IOException e) {
            failure = e;
        } finally {
            closedBy = failure;
            closeQuietly();
            for (CompletableFuture<ObjectNode> waiting : pending.values()) {
                waiting.completeExceptionally(failure);
            }
        }
    }

    /** The reader has stopped: close the socket too, so the server ends the session. */
    private void closeQuietly() {
        try {
            socket.close();
        } catch (IOException ignored) {
            // already closed or broken; nothing more to release
        }
    }

    private void dispatch(ObjectNode message) {
        JsonNode event = message.get("event");
        if (event != null) {
            try {
                listener.accept(new ControlEvent(event.asText(), message));
            } catch (RuntimeException e) {
                // The application's listener failed; the connection must not.
                Thread.currentThread().getUncaughtExceptionHandler().uncaughtException(Thread.currentThread(), e);
            }
            return;
        }
        JsonNode id = message.get("id");
        if (id != null && id.canConvertToLong()) {
            CompletableFuture<ObjectNode> waiting = pending.get(id.longValue());
            if (waiting != null) {
                waiting.complete(message);
            }
        }
    }
}
