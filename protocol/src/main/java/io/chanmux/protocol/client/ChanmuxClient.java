package io.chanmux.protocol.client;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.chanmux.protocol.control.ControlCodec;
import io.chanmux.protocol.control.Op;
import io.chanmux.protocol.control.ErrorCode;
import io.chanmux.protocol.control.EventType;
import io.chanmux.protocol.control.LineReader;
import io.chanmux.protocol.wire.Hex;
import io.chanmux.protocol.wire.Datagram;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

/**
 * A chanmux control connection: sends requests, matches replies by id, and hands pushed events to
 * a listener. {@link #join} returns a {@link PeerHandle} that owns the peer's UDP socket and keeps
 * its binding alive; a {@code rebind} event about one of this client's handles reaches that handle
 * (and the listener too).
 *
 * <p>Thread-safe: any thread may send requests; replies are matched on one reader virtual thread,
 * which also calls the event listener (so the listener must not block).
 */
public final class ChanmuxClient implements AutoCloseable {
    /** How long a request waits for its reply unless told otherwise. */
    public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(10);

    private final SocketChannel socket;
    private final OutputStream out;
    private final Consumer<ControlEvent> listener;
    private final Map<Long, CompletableFuture<ObjectNode>> pending = new ConcurrentHashMap<>();
    /** Open handles by peer id, for the {@code rebind} event. */
    private final Map<Integer, PeerHandle> handles = new ConcurrentHashMap<>();
    private final AtomicLong nextId = new AtomicLong(1);
    private final Thread reader;
    private final Duration timeout;
    private volatile IOException closedBy;
    /** The peer timeout the server's last {@code hello} reply reported, or null. */
    private volatile Duration peerTimeout;

    private ChanmuxClient(SocketChannel socket, Consumer<ControlEvent> listener, Duration timeout) throws IOException {
        this.socket = socket;
        this.listener = listener;
        this.timeout = timeout;
        Socket adaptor = socket.socket();
        adaptor.setTcpNoDelay(true);
        this.out = adaptor.getOutputStream();
        LineReader lines = new LineReader(adaptor.getInputStream(), ControlCodec.MAX_LINE_BYTES);
        this.reader = Thread.ofVirtual().name("chanmux-client-reader").start(() -> readLoop(lines));
    }

    /** Connects to a server's control port; events are ignored. */
    public static ChanmuxClient connect(InetSocketAddress control) throws IOException {
        return connect(control, event -> { }, DEFAULT_TIMEOUT);
    }

    /** Connects to a server's control port and sends every pushed event to {@code listener}. */
    public static ChanmuxClient connect(InetSocketAddress control, Consumer<ControlEvent> listener) throws IOException {
        return connect(control, listener, DEFAULT_TIMEOUT);
    }

    /** Connects with a per-request reply timeout. */
    public static ChanmuxClient connect(InetSocketAddress control, Consumer<ControlEvent> listener,
                                        Duration requestTimeout) throws IOException {
        SocketChannel socket = SocketChannel.open(control);
        try {
            ChanmuxClient client = new ChanmuxClient(socket, listener, requestTimeout);
            client.greet();
            return client;
        } catch (IOException | RuntimeException e) {
            socket.close();
            throw e;
        }
    }

    /**
     * Sends a first {@code hello} without waiting for its reply, so the connection has sent its
     * first line at once (servers close connections that stay silent past their line timeout)
     * however long the application takes before its first request. An explicit {@link #hello}
     * later names the client or authenticates.
     */
    private void greet() throws IOException {
        long id = nextId.getAndIncrement();
        CompletableFuture<ObjectNode> reply = new CompletableFuture<>();
        pending.put(id, reply);
        reply.whenComplete((message, failure) -> {
            pending.remove(id);
            if (message != null) {
                notePeerTimeout(message);
            }
        });
        write(ControlCodec.encodeRequest(id, Op.HELLO.wireName(), ControlCodec.object().put("client", "chanmux-java")));
    }

    /** Remembers the peer timeout a {@code hello} reply reports, which sizes the handles' keepalives. */
    private void notePeerTimeout(ObjectNode reply) {
        JsonNode millis = reply.get("peerTimeoutMs");
        if (millis != null && millis.canConvertToLong() && millis.asLong() > 0) {
            peerTimeout = Duration.ofMillis(millis.asLong());
        }
    }


    /** The server's control address this client is connected to. */
    public InetSocketAddress serverAddress() throws IOException {
        return (InetSocketAddress) socket.getRemoteAddress();
    }

    /** {@code hello}: names this client; returns the server's reply (server, protocol, session). */
    public ObjectNode hello(String clientName) throws IOException {
        ObjectNode args = ControlCodec.object();
        if (clientName != null) {
            args.put("client", clientName);
        }
        ObjectNode reply = call(Op.HELLO.wireName(), args);
        notePeerTimeout(reply);
        return reply;
    }

    /** {@code create}: makes a channel owned by this session. */
    public ChannelInfo create(CreateOptions options) throws IOException {
        ObjectNode args = ControlCodec.object();
        if (options.name() != null) {
            args.put("name", options.name());
        }
        if (options.maxPeers() > 0) {
            args.put("maxPeers", options.maxPeers());
        }
        if (options.key() != null) {
            args.put("key", options.key());
        }
        ObjectNode reply = call(Op.CREATE.wireName(), args);
        return new ChannelInfo(reply.path("channel").asText(), options.name(), reply.path("port").asInt(),
                0, reply.path("maxPeers").asInt(options.maxPeers()));
    }

    /** {@code join} an open channel, then open the peer's UDP socket (not yet bound: see {@link PeerHandle#bind}). */
    public PeerHandle join(String channel) throws IOException {
        return join(channel, null);
    }

    /**
     * {@code join} a channel with its key (null for an open channel), then open the peer's UDP
     * socket, whose keepalive PINGs at {@link PeerKeepalive#intervalFor} the server's peer timeout.
     */
    public PeerHandle join(String channel, String key) throws IOException {
        PeerHandle handle = PeerHandle.open(this, joinMembership(channel, key), PeerKeepalive.intervalFor(peerTimeout));
        handles.put(handle.peer(), handle);
        return handle;
    }

    /**
     * {@code join} a channel without opening a socket: for clients that carry several peers, each
     * of another channel, on one UDP socket of their own (one socket may carry at most one peer of
     * each channel, since the server tells peers apart by address). Bind it with a {@link PeerKeepalive}.
     */
    public Membership joinMembership(String channel, String key) throws IOException {
        ObjectNode args = ControlCodec.object().put("channel", channel);
        if (key != null) {
            args.put("key", key);
        }
        ObjectNode reply = call(Op.JOIN.wireName(), args);
        int peer = (int) reply.path("peer").asLong();
        byte[] token = Hex.decode(reply.path("token").asText(), Datagram.TOKEN_BYTES);
        InetSocketAddress relay = new InetSocketAddress(serverAddress().getAddress(), reply.path("port").asInt());
        return new Membership(channel, peer, token, relay);
    }

    /** A handle is closed: no more {@code rebind} events for it. */
    void forget(PeerHandle handle) {
        handles.remove(handle.peer(), handle);
    }

    /** {@code leave} a channel this session has joined. */
    public void leave(String channel) throws IOException {
        call(Op.LEAVE.wireName(), ControlCodec.object().put("channel", channel));
    }

    /** {@code delete} a channel this session owns. */
    public void delete(String channel) throws IOException {
        call(Op.DELETE.wireName(), ControlCodec.object().put("channel", channel));
    }

    /** {@code list} the channels this session may see, following the server's pages to the end. */
    public List<ChannelInfo> list() throws IOException {
        List<ChannelInfo> channels = new ArrayList<>();
        String after = null;
        do {
            ObjectNode args = ControlCodec.object();
            if (after != null) {
                args.put("after", after);
            }
            ObjectNode page = call(Op.LIST.wireName(), args);
            for (JsonNode c : page.path("channels")) {
                channels.add(new ChannelInfo(c.path("channel").asText(), c.path("name").textValue(),
                        c.path("port").asInt(), c.path("peers").asInt(), c.path("maxPeers").asInt()));
            }
            after = page.path("next").textValue();
        } while (after != null);
        return channels;
    }

    /** {@code stats}: the server-wide counters. */
    public ObjectNode stats() throws IOException {
        return call(Op.STATS.wireName(), null);
    }

    /** {@code ping}: a round trip on the control connection. */
    public void ping() throws IOException {
        call(Op.PING.wireName(), null);
    }

    /**
     * Sends any request and waits for its reply.
     *
     * @return the reply object (with {@code id} and {@code ok})
     * @throws ChanmuxException when the server answers with an error
     * @throws IOException      when the connection fails or no reply comes within the timeout
     */
    public ObjectNode call(String op, ObjectNode arguments) throws IOException {
        long id = nextId.getAndIncrement();
        CompletableFuture<ObjectNode> reply = new CompletableFuture<>();
        pending.put(id, reply);
        try {
            write(ControlCodec.encodeRequest(id, op, arguments));
            ObjectNode message = reply.get(timeout.toNanos(), TimeUnit.NANOSECONDS);
            if (!message.path("ok").asBoolean(false)) {
                throw new ChanmuxException(ErrorCode.fromWireName(message.path("error").asText()),
                        message.path("message").asText(""));
            }
            return message;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted waiting for the reply to '" + op + "'");
        } catch (TimeoutException e) {
            throw new SocketTimeoutException("no reply to '" + op + "' within " + timeout);
        } catch (ExecutionException e) {
            throw new IOException("connection failed before the reply to '" + op + "'", e.getCause());
        } finally {
            pending.remove(id);
        }
    }

    /** Whether the control connection is still open. */
    public boolean isOpen() {
        return closedBy == null && socket.isOpen();
    }

    /** Closes the control connection; the server then removes this session's peers and channels. */
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
            throw new IOException("control connection is closed", failure);
        }
        synchronized (out) {
            out.write(line);
        }
    }

    private void readLoop(LineReader lines) {
        IOException failure = new IOException("control connection closed by the server");
        try {
            byte[] line;
            while ((line = lines.readLine()) != null) {
                dispatch(ControlCodec.decodeMessage(line));
            }
        } catch (IOException e) {
            failure = e;
        } finally {
            closedBy = failure;
            closeQuietly();
            handles.values().forEach(PeerHandle::stopKeepalive);
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
            if (EventType.REBIND.wireName().equals(event.asText())) {
                PeerHandle handle = handles.get((int) message.path("peer").asLong());
                if (handle != null && handle.channel().equals(message.path("channel").asText())) {
                    handle.rebind();
                }
            }
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
