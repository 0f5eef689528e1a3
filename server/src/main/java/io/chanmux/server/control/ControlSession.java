package io.chanmux.server.control;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.chanmux.protocol.control.ControlCodec;
import io.chanmux.protocol.control.ErrorCode;
import io.chanmux.protocol.control.LineReader;
import io.chanmux.protocol.control.LineTooLongException;
import io.chanmux.protocol.control.Request;
import io.chanmux.protocol.control.RequestException;
import io.chanmux.protocol.wire.Hex;
import io.chanmux.server.ChanmuxServer;
import io.chanmux.server.NanoClock;
import io.chanmux.server.TokenBucket;
import io.chanmux.server.SecureIds;
import io.chanmux.server.config.ServerConfig;
import io.chanmux.server.config.Settings;
import io.chanmux.server.pool.ChannelDirectory;
import io.chanmux.server.pool.ChannelEntry;
import io.chanmux.server.pool.ChannelPool;
import io.chanmux.server.pool.JoinResult;
import io.chanmux.server.pool.PoolCommand;
import io.chanmux.server.pool.SessionHandle;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.BufferedOutputStream;
import java.io.FilterInputStream;
import java.io.InputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.StructuredTaskScope;
import java.util.concurrent.StructuredTaskScope.Joiner;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.CompletionException;
import java.util.function.Function;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * One control connection. The session's thread owns a small scope with two parts: a forked reader
 * that decodes request lines and answers each in order, and the writer loop, run by the session
 * thread itself, that drains a bounded outbound queue of replies and events to the socket.
 *
 * <p>Requests that change channels are sent to the channel's pool as commands, and the reader
 * waits for the pool's answer; the session itself holds no channel state. Pools push events
 * through {@link #deliver}, which never blocks: a client that lets its queue overflow is
 * disconnected. When the connection ends, every pool is told, and removes the session's peers
 * and channels.
 */
final class ControlSession implements SessionHandle {
    private static final Logger log = LoggerFactory.getLogger(ControlSession.class);
    private static final byte[] END_OF_OUTPUT = new byte[0];
    private static final long IDLE = Long.MIN_VALUE;
    /** What an op returns when its reply went out with the pool's answer (see {@link PoolReply}). */
    private static final ObjectNode REPLY_QUEUED = ControlCodec.object();
    private static final Duration POOL_REPLY_TIMEOUT = Duration.ofSeconds(10);
    private static final Duration LINGER = Duration.ofSeconds(2);
    private static final long LINGER_BYTES = 1 << 20;
    private static final int MAX_NAME_CHARS = 64;
    private static final int MAX_KEY_CHARS = 256;
    private static final int MAX_CLIENT_CHARS = 256;

    private final SocketChannel connection;
    private final InetAddress address;
    private final ControlListener listener;
    private final ServerConfig config;
    private final ChannelDirectory directory;
    private final String id = SecureIds.hex(8);
    private final BlockingQueue<byte[]> outbound;
    private final NanoClock clock;
    private final ServerViews views;
    private final TokenBucket requests;
    private final AtomicBoolean closedByServer = new AtomicBoolean();
    /** When the line being read started (the connection's start for the first line); IDLE between lines. */
    private volatile long lineStartedNs;
    /** When the write in progress started; IDLE when the writer waits for output. */
    private volatile long writeStartedNs = IDLE;
    private volatile String clientName = "?";
    private final long openedNs;
    private volatile boolean authenticated;
    private boolean admin;

    ControlSession(SocketChannel connection, ControlListener listener, InetAddress address) {
        this.connection = connection;
        this.address = address;
        this.listener = listener;
        this.config = listener.config();
        this.directory = listener.directory();
        this.outbound = new ArrayBlockingQueue<>(config.get(Settings.SESSION_QUEUE_CAPACITY));
        this.clock = listener.clock();
        this.views = listener.views();
        this.openedNs = clock.nanoTime();
        this.lineStartedNs = openedNs;
        this.requests = new TokenBucket(config.get(Settings.REQUEST_RATE), 2.0 * config.get(Settings.REQUEST_RATE), lineStartedNs);
        this.authenticated = listener.secret() == null;
    }

    @Override
    public String id() {
        return id;
    }

    /** The client's IP address, for the per-address connection limit. */
    InetAddress address() {
        return address;
    }

    @Override
    public void deliver(byte[] eventLine) {
        if (!outbound.offer(eventLine)) {
            closeFor(SessionCloseReason.OUTBOUND_OVERFLOW);
        }
    }

    /** Closes the session if its current line or write has taken too long. Called by the listener's checker. */
    void closeIfOverdue(long nowNs, long lineTimeoutNs, long writeTimeoutNs) {
        long line = lineStartedNs;
        long write = writeStartedNs;
        if (!authenticated && nowNs - openedNs > lineTimeoutNs) {
            closeFor(SessionCloseReason.AUTH_TIMEOUT);
        } else if (line != IDLE && nowNs - line > lineTimeoutNs) {
            closeFor(SessionCloseReason.LINE_TIMEOUT);
        } else if (write != IDLE && nowNs - write > writeTimeoutNs) {
            closeFor(SessionCloseReason.WRITE_TIMEOUT);
        }
    }

    /** Ends the session for a reason of the server's, counting it once. */
    private void closeFor(SessionCloseReason reason) {
        if (closedByServer.compareAndSet(false, true)) {
            listener.count(reason);
            log.info("session {} ({}) closed: {}", id, clientName, reason.wireName());
        }
        closeConnection();
    }

    /** Closes the socket; the reader and writer then end. Any thread. */
    void closeConnection() {
        try {
            connection.close();
        } catch (IOException e) {
            log.debug("session {}: close failed", id, e);
        }
    }

    /** The session thread. */
    void run() {
        log.info("session {} opened from {}", id, remoteAddress());
        try (var scope = StructuredTaskScope.open(Joiner.awaitAll(), cfg -> cfg.withName("session-" + id))) {
            scope.fork(this::readRequests);
            try {
                writeOutput();
                // The reader has finished; send FIN rather than close, so a client whose unread
                // request bytes are still arriving (an oversized line) gets our last line, not a reset.
                connection.shutdownOutput();
            } catch (IOException e) {
                log.debug("session {}: write failed: {}", id, e.toString());
                closeConnection();
            }
            scope.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            closeConnection();
            releaseChannelState();
            listener.sessionEnded(this);
            log.info("session {} ({}) closed", id, clientName);
        }
    }

    private void writeOutput() throws IOException, InterruptedException {
        OutputStream out = new BufferedOutputStream(connection.socket().getOutputStream(), 8192);
        while (true) {
            byte[] line = outbound.take();
            writeStartedNs = clock.nanoTime();
            while (line != null) {
                if (line == END_OF_OUTPUT) {
                    out.flush();
                    return;
                }
                out.write(line);
                line = outbound.poll();
            }
            out.flush();
            writeStartedNs = IDLE;
        }
    }

    private void readRequests() {
        try {
            LineReader lines = new LineReader(new LineTimer(connection.socket().getInputStream()),
                    ControlCodec.MAX_LINE_BYTES);
            byte[] line;
            while ((line = lines.readLine()) != null) {
                lineStartedNs = IDLE; // time spent answering is not the client's
                byte[] reply = isBlank(line) ? null : answer(line);
                if (reply != null && !queueReply(reply)) {
                    return;
                }
                if (lines.hasPartialLine()) {
                    lineStartedNs = clock.nanoTime();
                }
            }
        } catch (LineTooLongException e) {
            closedByServer.set(true);
            listener.count(SessionCloseReason.LINE_TOO_LONG);
            outbound.offer(ControlCodec.encodeError(null, ErrorCode.LIMIT,
                    "line longer than " + e.limitBytes() + " bytes; closing the connection"));
            outbound.offer(END_OF_OUTPUT);
            discardInput();
        } catch (IOException e) {
            log.debug("session {}: read ended: {}", id, e.toString());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            if (!outbound.offer(END_OF_OUTPUT)) {
                closeConnection();
            }
        }
    }

    /**
     * Reads and drops what the client still sends, for a bounded time and amount, so that closing
     * the socket does not reset the connection before the client has read our error line.
     */
    private void discardInput() {
        try {
            connection.socket().setSoTimeout((int) LINGER.toMillis());
            var in = connection.socket().getInputStream();
            byte[] sink = new byte[8192];
            long budget = LINGER_BYTES;
            int n;
            while (budget > 0 && (n = in.read(sink)) >= 0) {
                budget -= n;
            }
        } catch (IOException e) {
            log.debug("session {}: discarding input ended: {}", id, e.toString());
        }
    }

    /** Waits for room for a reply; false when the connection closed meanwhile (the writer is gone). */
    private boolean queueReply(byte[] reply) throws InterruptedException {
        while (!outbound.offer(reply, 1, TimeUnit.SECONDS)) {
            if (!connection.isOpen()) {
                return false;
            }
        }
        return true;
    }

    /**
     * Decodes one request line and returns the reply line, or null when the reply is already queued
     * (by the pool thread that answered it). Never throws for bad input.
     */
    private byte[] answer(byte[] line) throws InterruptedException {
        Request request = null;
        try {
            request = ControlCodec.decodeRequest(line);
            ObjectNode result = dispatch(request);
            if (result == REPLY_QUEUED) {
                return null;
            }
            byte[] reply = ControlCodec.encodeReply(request.id(), result);
            listener.requests().record(request.op(), "ok");
            return reply;
        } catch (RequestException e) {
            listener.requests().record(request == null ? null : request.op(), e.code().wireName());
            return ControlCodec.encodeError(e.id() != null ? e.id() : request == null ? null : request.id(),
                    e.code(), e.getMessage());
        } catch (RuntimeException e) {
            log.error("session {}: request failed", id, e);
            listener.requests().record(request == null ? null : request.op(), ErrorCode.INTERNAL.wireName());
            return ControlCodec.encodeError(request == null ? null : request.id(), ErrorCode.INTERNAL,
                    "the server failed on this request: " + e);
        }
    }

    private ObjectNode dispatch(Request request) throws RequestException, InterruptedException {
        if (!requests.tryTake(1, clock.nanoTime())) {
            throw request.error(ErrorCode.LIMIT, "more than " + config.get(Settings.REQUEST_RATE)
                    + " requests per second; slow down");
        }
        if (!authenticated && !request.op().equals("hello")) {
            throw request.error(ErrorCode.UNAUTHORIZED, "this server needs 'hello' with 'auth' first");
        }
        return switch (request.op()) {
            case "hello" -> hello(request);
            case "create" -> create(request);
            case "join" -> join(request);
            case "leave" -> leave(request);
            case "delete" -> delete(request);
            case "list" -> list(request);
            case "stats" -> views.stats();
            case "ping" -> null;
            case "channels" -> adminChannels(request);
            case "peers" -> adminPeers(request);
            case "kick" -> adminKick(request);
            case "close" -> adminClose(request);
            case "drain" -> adminDrain(request);
            default -> throw request.error(ErrorCode.UNKNOWN_OP, "unknown op '" + request.op() + "'");
        };
    }

    private ObjectNode hello(Request request) throws RequestException {
        String client = request.optionalString("client", MAX_CLIENT_CHARS);
        if (client != null) {
            clientName = client;
        }
        SharedSecret secret = listener.secret();
        if (secret != null) {
            String refusal = secret.check(request.optionalString("user", MAX_CLIENT_CHARS),
                    request.optionalString("auth", MAX_KEY_CHARS), System.currentTimeMillis() / 1000);
            if (refusal != null) {
                throw request.error(ErrorCode.UNAUTHORIZED, refusal);
            }
            authenticated = true;
        }
        String adminSecret = request.optionalString("admin", MAX_KEY_CHARS);
        if (adminSecret != null) {
            if (config.get(Settings.ADMIN_SECRET) == null || !MessageDigest.isEqual(adminSecret.getBytes(StandardCharsets.UTF_8),
                    config.get(Settings.ADMIN_SECRET).getBytes(StandardCharsets.UTF_8))) {
                throw request.error(ErrorCode.UNAUTHORIZED, "wrong admin secret");
            }
            admin = true;
        }
        return ControlCodec.object()
                .put("server", "chanmux/" + ChanmuxServer.VERSION)
                .put("protocol", ControlCodec.PROTOCOL_VERSION)
                .put("session", id)
                .put("peerTimeoutMs", config.get(Settings.PEER_TIMEOUT).toMillis())
                .put("bindTimeoutMs", config.get(Settings.BIND_TIMEOUT).toMillis())
                .put("maxDatagram", config.get(Settings.MAX_DATAGRAM));
    }

    private ObjectNode create(Request request) throws RequestException, InterruptedException {
        String name = request.optionalString("name", MAX_NAME_CHARS);
        int maxPeers = request.optionalInt("maxPeers", 1, config.get(Settings.MAX_PEERS), config.get(Settings.MAX_PEERS));
        String key = request.optionalString("key", MAX_KEY_CHARS);
        if (listener.isDraining()) {
            throw request.error(ErrorCode.LIMIT, "the server is draining: no new channels");
        }
        PoolReply<ChannelEntry> reply = new PoolReply<>(request, entry -> ControlCodec.object()
                .put("channel", entry.id())
                .put("port", entry.port())
                .put("maxPeers", entry.maxPeers()));
        directory.create(this, name, maxPeers, key).whenComplete(reply::complete);
        return reply.await();
    }

    private ObjectNode join(Request request) throws RequestException, InterruptedException {
        ChannelEntry entry = existingChannel(request);
        String key = request.optionalString("key", MAX_KEY_CHARS);
        PoolReply<JoinResult> reply = new PoolReply<>(request, joined -> ControlCodec.object()
                .put("channel", joined.channel())
                .put("port", joined.port())
                .put("peer", Integer.toUnsignedLong(joined.peer()))
                .put("token", Hex.encode(joined.token())));
        submit(request, entry.pool(), new PoolCommand.JoinPeer(entry.id(), this, key, reply.result()));
        return reply.await();
    }

    private ObjectNode leave(Request request) throws RequestException, InterruptedException {
        ChannelEntry entry = existingChannel(request);
        PoolReply<Void> reply = new PoolReply<>(request, done -> null);
        submit(request, entry.pool(), new PoolCommand.LeavePeer(entry.id(), this, reply.result()));
        return reply.await();
    }

    private ObjectNode delete(Request request) throws RequestException, InterruptedException {
        ChannelEntry entry = existingChannel(request);
        PoolReply<Void> reply = new PoolReply<>(request, done -> null);
        submit(request, entry.pool(), new PoolCommand.DeleteChannel(entry.id(), this, reply.result()));
        return reply.await();
    }

    /** Channels without a key, plus this session's own (see {@link ServerViews#list}). */
    private ObjectNode list(Request request) throws RequestException {
        return views.list(request, this);
    }

    /** Admin: every channel, keyed ones included, with its traffic counters. */
    private ObjectNode adminChannels(Request request) throws RequestException {
        requireAdmin(request);
        return views.channels(request);
    }

    /** Admin: one channel's peers with their bound address, last activity and counters. */
    private ObjectNode adminPeers(Request request) throws RequestException {
        requireAdmin(request);
        return views.peers(request, existingChannel(request));
    }

    /** Admin: removes a peer from a channel ({@code peer_left} with reason {@code kicked}). */
    private ObjectNode adminKick(Request request) throws RequestException, InterruptedException {
        requireAdmin(request);
        ChannelEntry entry = existingChannel(request);
        int peer = (int) request.requiredLong("peer", 0, 0xFFFF_FFFFL);
        PoolReply<Void> reply = new PoolReply<>(request, done -> null);
        submit(request, entry.pool(), new PoolCommand.KickPeer(entry.id(), peer, reply.result()));
        return reply.await();
    }

    /** Admin: deletes any channel ({@code channel_deleted} with reason {@code closed}). */
    private ObjectNode adminClose(Request request) throws RequestException, InterruptedException {
        requireAdmin(request);
        ChannelEntry entry = existingChannel(request);
        PoolReply<Void> reply = new PoolReply<>(request, done -> null);
        submit(request, entry.pool(), new PoolCommand.DeleteChannel(entry.id(), null, reply.result()));
        return reply.await();
    }

    /** Admin: starts a graceful drain of the whole server. */
    private ObjectNode adminDrain(Request request) throws RequestException {
        requireAdmin(request);
        listener.triggerDrain();
        return ControlCodec.object().put("draining", true).put("timeoutMs", config.get(Settings.DRAIN_TIMEOUT).toMillis());
    }

    private void requireAdmin(Request request) throws RequestException {
        if (config.get(Settings.ADMIN_SECRET) == null) {
            throw request.error(ErrorCode.FORBIDDEN, "admin ops are off: the server has no --admin-secret");
        }
        if (!admin) {
            throw request.error(ErrorCode.FORBIDDEN, "'" + request.op() + "' needs 'hello' with the admin secret");
        }
    }

    private ChannelEntry existingChannel(Request request) throws RequestException {
        String channel = request.requiredString("channel", 64);
        ChannelEntry entry = directory.find(channel);
        if (entry == null) {
            throw request.error(ErrorCode.NOT_FOUND, "no channel " + channel);
        }
        return entry;
    }

    private static void submit(Request request, ChannelPool pool, PoolCommand command) throws RequestException {
        if (!pool.submit(command)) {
            throw request.error(ErrorCode.LIMIT, "pool " + pool.index() + " is too busy; try again");
        }
    }

    /**
     * The reply to a request a pool answers. The reply line is queued by whichever thread completes
     * the pool's future — the pool thread — so it reaches the client in order with the events that
     * pool sends this session (a {@code join} reply never arrives after that channel's
     * {@code channel_deleted}). The reader only waits for it to be queued.
     */
    private final class PoolReply<T> {
        private final CompletableFuture<T> result = new CompletableFuture<>();
        private final AtomicBoolean answered = new AtomicBoolean();
        private final CompletableFuture<Void> queued;
        private final Request request;

        PoolReply(Request request, Function<T, ObjectNode> toResult) {
            this.request = request;
            this.queued = result.handle((value, failure) -> {
                if (answered.compareAndSet(false, true)) {
                    deliver(replyLine(value, failure, toResult));
                }
                return null;
            });
        }

        /** The future the pool completes. */
        CompletableFuture<T> result() {
            return result;
        }

        /** Completes {@link #result()} from another stage's outcome. */
        void complete(T value, Throwable failure) {
            if (failure != null) {
                result.completeExceptionally(failure);
            } else {
                result.complete(value);
            }
        }

        /** Waits until the reply is queued; an error reply if the pool does not answer in time. */
        ObjectNode await() throws RequestException, InterruptedException {
            try {
                queued.get(POOL_REPLY_TIMEOUT.toNanos(), TimeUnit.NANOSECONDS);
            } catch (TimeoutException e) {
                if (answered.compareAndSet(false, true)) {
                    throw request.error(ErrorCode.INTERNAL, "the pool did not answer within " + POOL_REPLY_TIMEOUT);
                }
            } catch (ExecutionException e) {
                throw request.error(ErrorCode.INTERNAL, "the reply failed: " + e.getCause());
            }
            return REPLY_QUEUED;
        }

        private byte[] replyLine(T value, Throwable failure, Function<T, ObjectNode> toResult) {
            Throwable cause = failure instanceof CompletionException ? failure.getCause() : failure;
            if (cause == null) {
                listener.requests().record(request.op(), "ok");
                return ControlCodec.encodeReply(request.id(), toResult.apply(value));
            }
            ErrorCode code = cause instanceof RequestException refused ? refused.code() : ErrorCode.INTERNAL;
            listener.requests().record(request.op(), code.wireName());
            return ControlCodec.encodeError(request.id(), code,
                    cause instanceof RequestException ? cause.getMessage() : "the pool failed: " + cause);
        }
    }

    private void releaseChannelState() {
        PoolCommand closed = new PoolCommand.SessionClosed(this);
        for (ChannelPool pool : directory.pools()) {
            try {
                pool.submitWaiting(closed); // never dropped: it is what frees the session's channels
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return; // shutting down: the pools are closing every channel anyway
            }
        }
    }

    private String remoteAddress() {
        try {
            return String.valueOf(connection.getRemoteAddress());
        } catch (IOException e) {
            return "?";
        }
    }

    /** Starts the line clock when the first byte of a line arrives, so the checker can see stalled lines. */
    private final class LineTimer extends FilterInputStream {
        LineTimer(InputStream in) {
            super(in);
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            int n = super.read(b, off, len);
            if (n > 0 && lineStartedNs == IDLE) {
                lineStartedNs = clock.nanoTime();
            }
            return n;
        }
    }

    private static boolean isBlank(byte[] line) {
        for (byte b : line) {
            if (b != ' ' && b != '\t') {
                return false;
            }
        }
        return true;
    }
}
