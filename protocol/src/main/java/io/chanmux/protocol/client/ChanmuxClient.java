package io.chanmux.protocol.client;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.chanmux.protocol.control.ControlCodec;
import io.chanmux.protocol.control.ErrorCode;
import io.chanmux.protocol.control.EventType;
import io.chanmux.protocol.control.Op;
import io.chanmux.protocol.wire.Datagram;
import io.chanmux.protocol.wire.Hex;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;

/**
 * A chanmux client: sends requests, matches replies, and hands pushed events to a listener.
 * {@link #join} returns a {@link PeerHandle} that owns the peer's UDP socket and keeps its binding
 * alive; a {@code rebind} event about one of this client's handles reaches that handle (and the
 * listener too). With a
 * {@link ClientTls} the connections run over TLS, for servers started with {@code --tls-cert}.
 *
 * <p>In a cluster it follows {@code moved} replies transparently: it opens a control session to
 * the node the reply names (saying the same {@code hello} there), asks again there (a
 * {@code create} carrying the node's id, so it is not placed again), and sends later requests
 * about that channel straight to that node. It holds one session per node it uses; the channels
 * and peers it has on a node live as long as that session.
 *
 * <p>Thread-safe: any thread may send requests; replies are matched on one reader virtual thread
 * per node, which also calls the event listener (so the listener must not block).
 */
public final class ChanmuxClient implements AutoCloseable {
    /** How long a request waits for its reply unless told otherwise. */
    public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(10);
    /** The most {@code moved} replies one request follows (a cluster in flux may send it on once or twice). */
    static final int MAX_MOVES = 3;

    private final NodeConnection home;
    private final ClientTls tls;
    private final Consumer<ControlEvent> listener;
    private final Duration timeout;
    /** Sessions on other nodes, by the control address a {@code moved} reply named. */
    private final Map<String, NodeConnection> nodes = new ConcurrentHashMap<>();
    /** The node that answered for each channel this client created or joined there. */
    private final Map<String, NodeConnection> channelNodes = new ConcurrentHashMap<>();
    private final ReentrantLock opening = new ReentrantLock();
    /** Open handles by peer id, for the {@code rebind} event. */
    private final Map<Integer, PeerHandle> handles;
    private volatile ObjectNode helloArguments;
    /** The peer timeout the server's last {@code hello} reply reported, or null. */
    private volatile Duration peerTimeout;
    private volatile boolean closed;

    /**
     * A reply and the node session that gave it.
     *
     * @param message the reply
     * @param node    the session it came on
     */
    private record Routed(ObjectNode message, NodeConnection node) {
    }

    private ChanmuxClient(NodeConnection home, ClientTls tls, Consumer<ControlEvent> listener,
                          Map<Integer, PeerHandle> handles, Duration timeout) {
        this.home = home;
        this.tls = tls;
        this.listener = listener;
        this.handles = handles;
        this.timeout = timeout;
    }

    /** Connects to a server's control port; events are ignored. */
    public static ChanmuxClient connect(InetSocketAddress control) throws IOException {
        return connect(control, event -> { }, DEFAULT_TIMEOUT);
    }

    /** Connects to a server's control port and sends every pushed event to {@code listener}. */
    public static ChanmuxClient connect(InetSocketAddress control, Consumer<ControlEvent> listener) throws IOException {
        return connect(control, listener, DEFAULT_TIMEOUT);
    }

    /**
     * Connects with a per-request reply timeout. The connection sends a first {@code hello} at
     * once (servers close connections that stay silent); an explicit {@link #hello} later names
     * the client or authenticates.
     */
    public static ChanmuxClient connect(InetSocketAddress control, Consumer<ControlEvent> listener,
                                        Duration requestTimeout) throws IOException {
        return connect(control, null, listener, requestTimeout);
    }

    /**
     * Connects to a TLS control port and completes the handshake; {@code tls} says which
     * certificates to trust (null connects over plain TCP).
     */
    public static ChanmuxClient connect(InetSocketAddress control, ClientTls tls, Consumer<ControlEvent> listener)
            throws IOException {
        return connect(control, tls, listener, DEFAULT_TIMEOUT);
    }

    /**
     * Connects over TLS when {@code tls} is given, else over plain TCP, with a per-request reply
     * timeout that also bounds each read of the TLS handshake. Sessions opened on other nodes of
     * a cluster use the same {@code tls}.
     *
     * @throws javax.net.ssl.SSLException when the TLS handshake fails
     */
    public static ChanmuxClient connect(InetSocketAddress control, ClientTls tls, Consumer<ControlEvent> listener,
                                        Duration requestTimeout) throws IOException {
        Map<Integer, PeerHandle> handles = new ConcurrentHashMap<>();
        Consumer<ControlEvent> routed = routeRebinds(handles, listener);
        return new ChanmuxClient(NodeConnection.open(control, tls, routed, requestTimeout), tls, routed, handles,
                requestTimeout);
    }

    /** The listener, after a {@code rebind} event about one of this client's handles has reached that handle. */
    private static Consumer<ControlEvent> routeRebinds(Map<Integer, PeerHandle> handles, Consumer<ControlEvent> listener) {
        return event -> {
            if (event.type() == EventType.REBIND) {
                PeerHandle handle = handles.get((int) event.peer());
                if (handle != null && handle.channel().equals(event.channel())) {
                    handle.rebind();
                }
            }
            listener.accept(event);
        };
    }

    /** The control address this client connected to. */
    public InetSocketAddress serverAddress() throws IOException {
        return home.remoteAddress();
    }

    /**
     * The control address of the node that holds {@code channel} for this client: where its
     * {@code create} or {@code join} ended up ({@link #serverAddress} when it was never moved).
     */
    public InetSocketAddress nodeOf(String channel) {
        NodeConnection node = channelNodes.get(channel);
        return (node != null ? node : home).remoteAddress();
    }

    /** {@code hello}: names this client; returns the server's reply (server, protocol, session). */
    public ObjectNode hello(String clientName) throws IOException {
        ObjectNode args = ControlCodec.object();
        if (clientName != null) {
            args.put("client", clientName);
        }
        return call(Op.HELLO.wireName(), args);
    }

    /** {@code create}: makes a channel owned by this session (on the node the cluster places it on). */
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
        Routed routed = route(Op.JOIN.wireName(), args);
        ObjectNode reply = routed.message();
        int peer = (int) reply.path("peer").asLong();
        byte[] token = Hex.decode(reply.path("token").asText(), Datagram.TOKEN_BYTES);
        // The channel's UDP port is on the host that answered the join.
        InetSocketAddress relay = new InetSocketAddress(routed.node().remoteAddress().getAddress(),
                reply.path("port").asInt());
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
     * Sends any request and waits for its reply, following {@code moved} replies: a request about
     * a channel goes to the node that answered for it before, else to the server this client
     * connected to. A successful {@code hello} is said again on every node session opened later.
     *
     * @return the reply object (with {@code id} and {@code ok})
     * @throws ChanmuxException when the server answers with an error
     * @throws IOException      when the connection fails or no reply comes within the timeout
     */
    public ObjectNode call(String op, ObjectNode arguments) throws IOException {
        return route(op, arguments).message();
    }

    private Routed route(String op, ObjectNode arguments) throws IOException {
        String channel = arguments == null ? null : arguments.path("channel").textValue();
        NodeConnection known = channel == null ? null : channelNodes.get(channel);
        NodeConnection node = known != null && known.isOpen() ? known : home;
        ObjectNode args = arguments;
        for (int moves = 0; ; moves++) {
            ObjectNode message = node.request(op, args);
            if (message.path("ok").asBoolean(false)) {
                remember(op, args, message, node);
                return new Routed(message, node);
            }
            ErrorCode code = ErrorCode.fromWireName(message.path("error").asText());
            if (code == ErrorCode.MOVED && moves < MAX_MOVES && message.path("control").isTextual()) {
                node = node(message.path("control").asText());
                if (op.equals(Op.CREATE.wireName())) {
                    args = (args == null ? ControlCodec.object() : args.deepCopy()).put("node", message.path("node").asText());
                }
                continue;
            }
            throw new ChanmuxException(code, message.path("message").asText(""));
        }
    }

    /** Keeps what later requests need: the hello to say on new nodes, and which node holds a channel. */
    private void remember(String op, ObjectNode args, ObjectNode reply, NodeConnection node) {
        switch (Op.fromWireName(op)) {
            case HELLO -> {
                helloArguments = args == null ? null : args.deepCopy();
                notePeerTimeout(reply);
            }
            case CREATE -> channelNodes.put(reply.path("channel").asText(), node);
            case JOIN -> channelNodes.put(args.path("channel").asText(), node);
            case null, default -> { }
        }
    }

    /** Remembers the peer timeout a {@code hello} reply reports, which sizes the handles' keepalives. */
    private void notePeerTimeout(ObjectNode reply) {
        JsonNode millis = reply.get("peerTimeoutMs");
        if (millis != null && millis.canConvertToLong() && millis.asLong() > 0) {
            peerTimeout = Duration.ofMillis(millis.asLong());
        }
    }

    /** The session on the node at {@code control} ({@code host:port}), opened (and greeted) when needed. */
    private NodeConnection node(String control) throws IOException {
        NodeConnection existing = nodes.get(control);
        if (existing != null && existing.isOpen()) {
            return existing;
        }
        opening.lock();
        try {
            existing = nodes.get(control);
            if (existing != null && existing.isOpen()) {
                return existing;
            }
            InetSocketAddress address = parseControl(control);
            if (address.equals(home.remoteAddress())) {
                return home;
            }
            NodeConnection connection = NodeConnection.open(address, tls, listener, timeout);
            try {
                ObjectNode hello = helloArguments;
                if (hello != null) {
                    ObjectNode reply = connection.request(Op.HELLO.wireName(), hello);
                    if (!reply.path("ok").asBoolean(false)) {
                        throw new ChanmuxException(ErrorCode.fromWireName(reply.path("error").asText()),
                                "node " + control + " refused hello: " + reply.path("message").asText(""));
                    }
                }
                if (closed) {
                    throw new IOException("the client is closed");
                }
            } catch (IOException | RuntimeException e) {
                connection.close();
                throw e;
            }
            nodes.put(control, connection);
            return connection;
        } finally {
            opening.unlock();
        }
    }

    /** Parses {@code host:port} or {@code [v6]:port} as a {@code moved} reply gives it. */
    static InetSocketAddress parseControl(String control) throws IOException {
        int colon = control.lastIndexOf(':');
        try {
            if (colon <= 0) {
                throw new IllegalArgumentException("no port");
            }
            String host = control.substring(0, colon);
            if (host.startsWith("[") && host.endsWith("]")) {
                host = host.substring(1, host.length() - 1);
            }
            InetSocketAddress address = new InetSocketAddress(host, Integer.parseInt(control.substring(colon + 1)));
            if (address.isUnresolved()) {
                throw new IOException("the server sent the client to " + control + ", whose host does not resolve");
            }
            return address;
        } catch (IllegalArgumentException e) { // NumberFormatException included
            throw new IOException("the server sent the client to '" + control + "', which is not HOST:PORT");
        }
    }

    /** Whether every control session this client holds (one per node it uses) is still open. */
    public boolean isOpen() {
        if (!home.isOpen()) {
            return false;
        }
        for (NodeConnection node : nodes.values()) {
            if (!node.isOpen()) {
                return false;
            }
        }
        return true;
    }

    /**
     * Closes every control session; the servers then remove this client's peers and channels.
     * Over TLS, the TCP connections close without a close_notify, so a close never waits for a
     * write the server is not reading.
     */
    @Override
    public void close() throws IOException {
        closed = true;
        handles.values().forEach(PeerHandle::stopKeepalive);
        IOException failure = null;
        for (NodeConnection node : nodes.values()) {
            try {
                node.close();
            } catch (IOException e) {
                failure = e;
            }
        }
        home.close();
        if (failure != null) {
            throw failure;
        }
    }
}
