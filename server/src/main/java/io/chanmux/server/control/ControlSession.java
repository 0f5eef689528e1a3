package io.chanmux.server.control;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.chanmux.protocol.control.ControlCodec;
import io.chanmux.protocol.control.ControlRequest;
import io.chanmux.protocol.control.ErrorCode;
import io.chanmux.protocol.control.Op;
import io.chanmux.protocol.control.Request;
import io.chanmux.protocol.control.RequestException;
import io.chanmux.protocol.control.ServerEvent;
import io.chanmux.server.base.ConstantTime;
import io.chanmux.server.base.SecureIds;
import io.chanmux.server.base.TokenBucket;
import io.chanmux.server.base.Version;
import io.chanmux.server.cluster.Cluster;
import io.chanmux.server.config.ConfigChanges;
import io.chanmux.server.config.ServerConfig;
import io.chanmux.server.config.Settings;
import io.chanmux.server.pool.Answer;
import io.chanmux.server.pool.Channel;
import io.chanmux.server.pool.ChannelCreated;
import io.chanmux.server.pool.ChannelDirectory;
import io.chanmux.server.pool.ChannelPool;
import io.chanmux.server.pool.Joined;
import io.chanmux.server.pool.PoolCommand;
import io.chanmux.server.pool.SessionHandle;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.List;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * One control session's requests: decodes each line once into a typed {@link ControlRequest},
 * checks rate, authentication and admin rights, and answers it — read-only ops at once from
 * published state, channel changes by a command to the directory or the channel's pool, which
 * answers through an {@link Answer} queued straight into the session's {@link Outbox}. The session
 * holds no channel state of its own.
 *
 * <p>Threads: {@link #handle} runs on the connection's reader thread, one request at a time;
 * {@link #tell} and the answers come from pool threads and never block. One request is at a pool
 * at a time, and the reader waits for its answer before reading the next line, so replies keep
 * the order of requests without any timeout that could let a request take effect after its error.
 */
final class ControlSession implements SessionHandle {
    private static final Logger log = LoggerFactory.getLogger(ControlSession.class);

    /** Longest rate-limited line still parsed to echo its id. */
    private static final int ID_ECHO_MAX_BYTES = 1024;

    private final String id = SecureIds.hex(8);
    private final ControlConnection connection;
    private final ControlListener listener;
    private final ChannelDirectory directory;
    private final ReadOnlyOps readOnlyOps;
    private final Cluster cluster;
    private final Replies replies;
    /** The session's request budget, retuned when a reload changes {@code --request-rate}. Reader thread. */
    private final TokenBucket requests;
    /** The {@code --request-rate} {@link #requests} is tuned for. Reader thread. */
    private int requestRate;
    /** Channels this session owns or is a member of, summed over pools; written by pool threads. */
    private final AtomicInteger channelsHeld = new AtomicInteger();
    /** Channels this session is a member of; written by pool threads. */
    private final AtomicInteger memberships = new AtomicInteger();
    private volatile long lastRequestNs;
    /** The request at a pool that the reader waits for, if any; released when the connection closes. */
    private volatile PoolAnswer<?> pending;
    private volatile boolean open = true;
    private volatile boolean authenticated;
    private volatile String clientName = "?";
    /** The {@code --secret} in force when this session's {@code hello} proved it, or null. Reader thread. */
    private String provenSecret;
    /** The admin secret this session's {@code hello} proved, or null. Reader thread. */
    private String adminSecret;

    ControlSession(ControlConnection connection, ControlListener listener, Replies replies) {
        this.connection = connection;
        this.listener = listener;
        this.directory = listener.directory();
        this.readOnlyOps = listener.readOnlyOps();
        this.cluster = listener.cluster();
        this.replies = replies;
        long now = listener.clock().nanoTime();
        this.requestRate = listener.config().get(Settings.REQUEST_RATE);
        this.requests = new TokenBucket(requestRate, 2.0 * requestRate, now);
        this.authenticated = listener.config().get(Settings.SECRET) == null;
        this.lastRequestNs = now;
    }

    @Override
    public String id() {
        return id;
    }

    @Override
    public boolean isOpen() {
        return open;
    }

    @Override
    public void tell(ServerEvent event, boolean essential) {
        switch (connection.outbox().offerEvent(event, essential)) {
            case QUEUED -> { }
            case QUEUED_NEEDS_WRITER -> listener.startWriter(connection);
            case DROPPED -> listener.countDroppedEvent();
            case OVERFLOW -> connection.closeFor(SessionCloseReason.OUTBOUND_OVERFLOW);
        }
    }

    @Override
    public void holdingsChanged(int channelsDelta, int membershipsDelta) {
        memberships.addAndGet(membershipsDelta);
        if (channelsHeld.addAndGet(channelsDelta) == 0 && channelsDelta < 0) {
            // The idle timeout may now run out. An event about it is on its way to the session too,
            // whose write would raise it, but a session's deadlines should not hang on what it is told.
            connection.raiseDeadlines();
        }
    }

    /** Whether the session owns and joins nothing and has sent no request since {@code sinceNs}. */
    boolean idleSince(long sinceNs) {
        return holdsNothing() && lastRequestNs - sinceNs < 0;
    }

    /** Whether the session owns and joins no channel. Any thread. */
    boolean holdsNothing() {
        return channelsHeld.get() == 0;
    }

    /** When the session's last request came (its start, before any). Any thread. */
    long lastRequestNs() {
        return lastRequestNs;
    }

    /** Whether the session may use ops other than {@code hello}. */
    boolean isAuthenticated() {
        return authenticated;
    }

    /** The name the client gave in {@code hello}, for logs. */
    String clientName() {
        return clientName;
    }

    /** The connection is closing: a reader waiting for a pool's answer stops waiting. Any thread. */
    void abandonPending() {
        PoolAnswer<?> waiting = pending;
        if (waiting != null) {
            waiting.answered.release();
        }
    }

    /** The connection has ended: every pool removes this session's peers and channels. Connection thread. */
    void end() {
        open = false;
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

    /**
     * Answers one request line; false when the connection closed meanwhile (the reader then stops).
     * Never throws for bad input. Reader thread.
     */
    boolean handle(byte[] line) throws InterruptedException {
        long now = listener.clock().nanoTime();
        lastRequestNs = now;
        int rate = listener.config().get(Settings.REQUEST_RATE);
        if (rate != requestRate) {
            requestRate = rate;
            requests.retune(rate, 2.0 * rate, now);
        }
        // Before parsing: a line costs its parse, so the budget covers malformed lines too. A refused
        // line is parsed only if short, to echo its id (clients match replies by id).
        if (!requests.tryTake(1, now)) {
            return reply(replies.error(line.length <= ID_ECHO_MAX_BYTES ? ControlCodec.idOf(line) : null, null,
                    new RequestException(ErrorCode.LIMIT, "more than " + rate + " requests per second; slow down")));
        }
        Request envelope;
        try {
            envelope = ControlCodec.decodeRequest(line);
        } catch (RequestException e) {
            return reply(replies.error(null, null, e));
        }
        Op op = Op.fromWireName(envelope.op());
        try {
            if (op != Op.HELLO) {
                requireSecret(envelope);
            }
            if (op != null && op.isAdmin()) {
                requireAdmin(envelope, op);
            }
            return dispatch(ControlRequest.from(envelope));
        } catch (RequestException e) {
            return reply(replies.error(envelope.id(), op, e));
        } catch (RuntimeException e) {
            log.error("session {}: request failed", id, e);
            return reply(replies.internal(envelope.id(), op, e));
        }
    }

    private boolean dispatch(ControlRequest request) throws RequestException, InterruptedException {
        return switch (request) {
            case ControlRequest.Hello r -> reply(request, hello(r));
            case ControlRequest.Create r -> create(r);
            case ControlRequest.Join r -> this.<Joined>askPool(r, channelToJoin(r.channel()),
                    (channel, answer) -> new PoolCommand.JoinPeer(channel.id(), this, r.key(), answer));
            case ControlRequest.Leave r -> this.<Void>askPool(r, channel(r.channel()),
                    (channel, answer) -> new PoolCommand.LeavePeer(channel.id(), this, answer));
            case ControlRequest.Delete r -> this.<Void>askPool(r, channel(r.channel()),
                    (channel, answer) -> new PoolCommand.DeleteChannel(channel.id(), this, answer));
            case ControlRequest.ListChannels r -> reply(request, readOnlyOps.list(r, this));
            case ControlRequest.Stats r -> reply(request, readOnlyOps.stats());
            case ControlRequest.Ping r -> reply(request, null);
            case ControlRequest.Nodes r -> reply(request, cluster.nodes());
            case ControlRequest.AdminChannels r -> reply(request, readOnlyOps.channels(r));
            case ControlRequest.AdminPeers r -> reply(request, readOnlyOps.peers(r, channel(r.channel())));
            case ControlRequest.Kick r -> this.<Void>askPool(r, channel(r.channel()),
                    (channel, answer) -> new PoolCommand.KickPeer(channel.id(), r.peer(), answer));
            case ControlRequest.Close r -> this.<Void>askPool(r, channel(r.channel()),
                    (channel, answer) -> new PoolCommand.DeleteChannel(channel.id(), null, answer));
            case ControlRequest.Drain r -> {
                listener.triggerDrain();
                yield reply(request, ControlCodec.object().put("draining", true)
                        .put("timeoutMs", listener.config().get(Settings.DRAIN_TIMEOUT).toMillis()));
            }
            case ControlRequest.Reload r -> reply(request, reload());
        };
    }

    /** The admin {@code reload} op: what changed, what waits for a restart; nothing changes when the config is invalid. */
    private ObjectNode reload() throws RequestException {
        ConfigChanges changes;
        try {
            changes = listener.reload("admin op, session " + id);
        } catch (IllegalArgumentException e) {
            throw new RequestException(ErrorCode.BAD_REQUEST, "config not reloaded, nothing changed: " + e.getMessage());
        }
        ObjectNode body = ControlCodec.object();
        addChanges(body.putArray("applied"), changes.applied());
        addChanges(body.putArray("needsRestart"), changes.needsRestart());
        changes.overridden().forEach(setting -> body.withArray("overridden").add(setting.name()));
        return body;
    }

    private static void addChanges(ArrayNode list, List<ConfigChanges.Change> changes) {
        for (ConfigChanges.Change change : changes) {
            list.addObject().put("setting", change.setting().name()).put("from", change.from()).put("to", change.to());
        }
    }

    private ObjectNode hello(ControlRequest.Hello request) throws RequestException {
        String secret = listener.config().get(Settings.SECRET);
        if (secret != null) {
            String refusal = new SharedSecret(secret).check(request.user(), request.auth(),
                    System.currentTimeMillis() / 1000);
            if (refusal != null) {
                throw new RequestException(ErrorCode.UNAUTHORIZED, refusal);
            }
        }
        // Both checked before either takes effect: a refused hello changes nothing.
        if (request.admin() != null && !ConstantTime.equal(listener.config().get(Settings.ADMIN_SECRET), request.admin())) {
            throw new RequestException(ErrorCode.UNAUTHORIZED, "wrong admin secret");
        }
        authenticated = true;
        provenSecret = secret;
        if (request.admin() != null) {
            adminSecret = request.admin();
        }
        if (request.client() != null) {
            clientName = request.client();
        }
        ServerConfig config = listener.config();
        return ControlCodec.object()
                .put("server", "chanmux/" + Version.VERSION)
                .put("protocol", ControlCodec.PROTOCOL_VERSION)
                .put("session", id)
                .put("peerTimeoutMs", config.get(Settings.PEER_TIMEOUT).toMillis())
                .put("bindTimeoutMs", config.get(Settings.BIND_TIMEOUT).toMillis())
                .put("maxDatagram", config.get(Settings.MAX_DATAGRAM));
    }

    private boolean create(ControlRequest.Create request) throws RequestException, InterruptedException {
        int limit = listener.config().get(Settings.MAX_PEERS);
        int maxPeers = request.maxPeers() == null ? limit : request.maxPeers();
        if (maxPeers < 1 || maxPeers > limit) {
            throw new RequestException(ErrorCode.BAD_REQUEST, "field 'maxPeers' must be an integer from 1 to " + limit);
        }
        cluster.place(request); // in a cluster, the channel may belong on another node ('moved')
        if (listener.isDraining()) {
            throw new RequestException(ErrorCode.LIMIT, "the server is draining: no new channels");
        }
        PoolAnswer<ChannelCreated> answer = new PoolAnswer<>(request);
        if (!directory.requestCreate(this, request.name(), maxPeers, request.key(), cluster.publishing(answer))) {
            throw new RequestException(ErrorCode.LIMIT, "the server is too busy to create a channel; try again");
        }
        return answer.await();
    }

    /** Sends a command to the channel's pool and waits until its answer is queued. */
    private <T> boolean askPool(ControlRequest request, Channel channel,
                                CommandFactory<T> command) throws RequestException, InterruptedException {
        PoolAnswer<T> answer = new PoolAnswer<>(request);
        ChannelPool pool = channel.pool();
        if (!pool.submit(command.create(channel, answer))) {
            throw new RequestException(ErrorCode.LIMIT, "pool " + pool.index() + " is too busy; try again");
        }
        return answer.await();
    }

    /**
     * Checks that this session proved the {@code --secret} in force now (none needs no proof), so a
     * reload that replaces a leaked secret stops the sessions that used it until they prove the new one.
     */
    private void requireSecret(Request envelope) throws RequestException {
        String current = listener.config().get(Settings.SECRET);
        if (current == null) {
            return;
        }
        if (!authenticated) {
            throw envelope.error(ErrorCode.UNAUTHORIZED, "this server needs 'hello' with 'auth' first");
        }
        if (!current.equals(provenSecret)) {
            throw envelope.error(ErrorCode.UNAUTHORIZED, "the server's secret has changed: send 'hello' with the new one");
        }
    }

    /**
     * Checks the admin secret this session's {@code hello} proved against the one in force now, so
     * a reload that replaces a leaked admin secret locks out the sessions that used it.
     */
    private void requireAdmin(Request envelope, Op op) throws RequestException {
        String current = listener.config().get(Settings.ADMIN_SECRET);
        if (current == null) {
            throw envelope.error(ErrorCode.FORBIDDEN, "admin ops are off: the server has no --admin-secret");
        }
        if (adminSecret == null || !ConstantTime.equal(current, adminSecret)) {
            throw envelope.error(ErrorCode.FORBIDDEN, "'" + op.wireName() + "' needs 'hello' with the admin secret");
        }
    }

    /** The channel to join, if this session may join one more. */
    private Channel channelToJoin(String id) throws RequestException, InterruptedException {
        int limit = listener.config().get(Settings.MAX_JOINS_PER_SESSION);
        if (memberships.get() >= limit) {
            throw new RequestException(ErrorCode.LIMIT, "a session may be a member of at most " + limit + " channels");
        }
        return channel(id);
    }

    /** The channel if this node holds it; else the cluster's answer ({@code moved}, {@code not_found}, ...). */
    private Channel channel(String id) throws RequestException, InterruptedException {
        Channel channel = directory.find(id);
        if (channel == null) {
            throw cluster.notHere(id);
        }
        return channel;
    }

    private boolean reply(ControlRequest request, ObjectNode fields) throws InterruptedException {
        return reply(replies.ok(request, fields));
    }

    private boolean reply(byte[] line) throws InterruptedException {
        return connection.outbox().putReply(new Outbound.Line(line));
    }

    /** Builds a pool command around the answer the pool will complete. */
    @FunctionalInterface
    private interface CommandFactory<T> {
        PoolCommand create(Channel channel, Answer<T> answer);
    }

    /**
     * The answer to one request a pool (or the directory) handles: queued into the outbox as a
     * typed reply by the answering thread, which then wakes the waiting reader.
     */
    private final class PoolAnswer<T> implements Answer<T> {
        private final ControlRequest request;
        private final Semaphore answered = new Semaphore(0);

        PoolAnswer(ControlRequest request) {
            this.request = request;
        }

        @Override
        public void ok(T result) {
            connection.outbox().putPoolReply(new Outbound.PoolReply(request, result, null));
            answered.release();
        }

        @Override
        public void refuse(RequestException refusal) {
            connection.outbox().putPoolReply(new Outbound.PoolReply(request, null, refusal));
            answered.release();
        }

        /** Waits for the answer; false when the connection closed first. */
        boolean await() throws InterruptedException {
            pending = this;
            try {
                // The check after each wake-up covers a close that came before this answer was pending.
                while (!answered.tryAcquire(1, TimeUnit.SECONDS) || !connection.isOpen()) {
                    if (!connection.isOpen()) {
                        return false;
                    }
                }
                return true;
            } finally {
                pending = null;
            }
        }
    }
}
