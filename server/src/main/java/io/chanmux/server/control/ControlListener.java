package io.chanmux.server.control;

import io.chanmux.protocol.control.ControlCodec;
import io.chanmux.protocol.control.ErrorCode;
import io.chanmux.protocol.control.ServerEvent;
import io.chanmux.server.base.AddressBlock;
import io.chanmux.server.base.NanoClock;
import io.chanmux.server.cluster.Cluster;
import io.chanmux.server.config.ConfigChanges;
import io.chanmux.server.config.LiveConfig;
import io.chanmux.server.config.ServerConfig;
import io.chanmux.server.config.Settings;
import io.chanmux.server.pool.ChannelDirectory;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.time.Duration;
import jdk.net.ExtendedSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.StructuredTaskScope;
import java.util.concurrent.StructuredTaskScope.Joiner;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.atomic.LongAccumulator;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.BooleanSupplier;

/**
 * The control port's accept loop. Each accepted connection becomes a {@link ControlConnection} on its
 * own virtual thread, forked in this listener's scope, so the listener owns every session's
 * lifetime. A session is admitted before it starts: past {@code --max-sessions} as it is now, a new
 * connection gets a {@code limit} error line and is closed. A checker thread in the same scope
 * closes sessions whose deadline has passed ({@link SessionDeadlines}), and the {@link
 * ControlWriters}' owner thread in the same scope starts the writer threads that send events to
 * idle sessions. With TLS, each accepted connection is wrapped by the {@link TransportFactory}
 * (TLS, when the server has a certificate), and the session's thread runs any handshake.
 *
 * <p>{@link #run} is the listener thread. When the server socket closes it stops accepting but keeps
 * its sessions (a drain); when the thread is interrupted (shutdown) it closes every session's
 * connection and waits for the sessions to finish.
 */
public final class ControlListener {
    private static final Logger log = LoggerFactory.getLogger(ControlListener.class);
    private static final int KEEPALIVE_INTERVAL_SECONDS = 10;
    private static final int KEEPALIVE_PROBES = 6;

    private final ServerSocketChannel server;
    private final LiveConfig live;
    private final ChannelDirectory directory;
    private final NanoClock clock;
    /** Makes each connection's transport: plain TCP or TLS. */
    private final TransportFactory transports;
    private final Set<ControlConnection> connections = ConcurrentHashMap.newKeySet();
    private final ControlWriters writers = new ControlWriters();
    /** Open sessions per IPv4 address or IPv6 /64, for {@code --max-sessions-per-address}. */
    private final Map<AddressBlock, Integer> sessionsByAddress = new ConcurrentHashMap<>();
    private final AtomicLongArray closes = new AtomicLongArray(SessionCloseReason.values().length);
    private final CountDownLatch stopped = new CountDownLatch(1);
    private final RequestCounts requests = new RequestCounts();
    private final ReadOnlyOps readOnlyOps;
    private final LongAdder droppedEvents = new LongAdder();
    /** The largest outbox peak of the sessions that have ended. */
    private final LongAccumulator endedOutboxPeak = new LongAccumulator(Math::max, 0);
    private final Runnable drainTrigger;
    private final Cluster cluster;
    private final BooleanSupplier draining;
    /** When the checker next looks at each session; its timeouts need a restart to change. */
    private final SessionDeadlines deadlines;

    /**
     * @param transports   makes each connection's transport: {@link TransportFactory#PLAIN} or TLS
     * @param drainTrigger what the admin {@code drain} op runs: the server's drain
     * @param draining     whether the server drains; the server's own flag, so there is one
     * @param cluster      where sessions place new channels and find those of other nodes
     */
    public ControlListener(ServerSocketChannel server, LiveConfig live, ChannelDirectory directory,
                           NanoClock clock, TransportFactory transports, Runnable drainTrigger,
                           BooleanSupplier draining, Cluster cluster) {
        this.server = server;
        this.draining = draining;
        this.transports = transports;
        this.cluster = cluster;
        this.drainTrigger = drainTrigger;
        this.live = live;
        this.directory = directory;
        this.clock = clock;
        this.readOnlyOps = new ReadOnlyOps(directory, this, clock);
        ServerConfig config = live.current();
        this.deadlines = new SessionDeadlines(new SessionDeadlines.Timeouts(config.get(Settings.LINE_TIMEOUT).toNanos(),
                config.get(Settings.WRITE_TIMEOUT).toNanos(), config.get(Settings.IDLE_TIMEOUT).toNanos()),
                config.sessionCheckInterval().toMillis(), clock.nanoTime());
    }

    /** Sessions whose connection is open. */
    public int sessionCount() {
        return connections.size();
    }

    /**
     * Sessions with a deadline running (a first line, a line or a write under way, an idle
     * timeout), as the checker's last check left them: the only ones it looks at ({@link
     * SessionDeadlines}). An idle session holding a channel has none. Tests.
     */
    public int sessionsWithDeadlines() {
        return deadlines.scheduled();
    }

    /**
     * Writer threads running now: one per session that has events to send while its own thread
     * waits for a request; 0 when every session is idle. Exported as {@code chanmux_control_writer_threads}.
     */
    public int writerThreads() {
        return writers.running();
    }

    /** Has a writer thread write {@code connection}'s outbox; the caller gave it the writer's role. Any thread. */
    void startWriter(ControlConnection connection) {
        writers.start(connection);
    }

    /** For tests: the next writer thread fails to start, as it would with no memory left for one. */
    void failNextWriterFork() {
        writers.failNextFork();
    }

    /** Connections the server ended for {@code reason} since it started. */
    public long closedBy(SessionCloseReason reason) {
        return closes.get(reason.ordinal());
    }

    /** Control requests answered, by op and result. */
    public RequestCounts requests() {
        return requests;
    }

    /** Whether the server is draining: no new sessions or channels. */
    public boolean isDraining() {
        return draining.getAsBoolean();
    }

    /**
     * Tells every session the server drains, with a {@code draining} event. The caller has set its
     * draining flag (so {@code create} is refused) and closes the server socket (no new sessions).
     */
    public void beginDrain(ServerEvent.Draining event) {
        tellEverySession(event);
    }

    /** Queues {@code event} for every session, as an essential one. Any thread. */
    void tellEverySession(ServerEvent event) {
        connections.forEach(connection -> connection.tell(event));
    }

    /** Runs the server's drain; the admin {@code drain} op calls it. */
    void triggerDrain() {
        drainTrigger.run();
    }

    /** The settings in force now: read at each use, so a reload reaches the next request. */
    ServerConfig config() {
        return live.current();
    }

    /**
     * Reloads the settings for the admin {@code reload} op ({@link LiveConfig#reload}).
     *
     * @throws IllegalArgumentException when the sources no longer make a valid config
     */
    ConfigChanges reload(String by) {
        return live.reload(by);
    }

    ChannelDirectory directory() {
        return directory;
    }

    Cluster cluster() {
        return cluster;
    }

    ReadOnlyOps readOnlyOps() {
        return readOnlyOps;
    }

    /** Churn events dropped because their session's outbox was half full, since the server started. */
    public long droppedEvents() {
        return droppedEvents.sum();
    }

    /**
     * The most bytes any one session's outbox has held at once since the server started: at most
     * the outbox budget plus one reply, or the essential-event headroom (see {@link Outbox}).
     */
    public long largestOutboxBytes() {
        long largest = endedOutboxPeak.get();
        for (ControlConnection session : connections) {
            largest = Math.max(largest, session.outbox().peakBytes());
        }
        return largest;
    }

    void countDroppedEvent() {
        droppedEvents.increment();
    }

    NanoClock clock() {
        return clock;
    }

    SessionDeadlines deadlines() {
        return deadlines;
    }

    void count(SessionCloseReason reason) {
        closes.incrementAndGet(reason.ordinal());
    }

    void connectionEnded(ControlConnection session) {
        if (connections.remove(session)) {
            endedOutboxPeak.accumulate(session.outbox().peakBytes());
            sessionsByAddress.computeIfPresent(AddressBlock.of(session.address()),
                    (block, open) -> open == 1 ? null : open - 1);
        }
    }

    /**
     * Counts a new connection against its address's limit (an IPv6 address's /64, see {@link
     * AddressBlock}); false (and nothing counted) when that block already has {@code
     * maxSessionsPerAddress} open. Listener thread only.
     */
    private boolean admitFrom(InetAddress address, int limit) {
        AddressBlock block = AddressBlock.of(address);
        int open = sessionsByAddress.merge(block, 1, Integer::sum);
        if (limit > 0 && open > limit) {
            sessionsByAddress.computeIfPresent(block, (b, n) -> n == 1 ? null : n - 1);
            return false;
        }
        return true;
    }

    /** The listener thread: accepts until the server socket closes. */
    public void run() {
        var threads = Thread.ofVirtual().name("session-", 0).factory();
        try (var scope = StructuredTaskScope.open(Joiner.awaitAll(),
                cfg -> cfg.withName("control-sessions").withThreadFactory(threads))) {
            scope.fork(this::checkDeadlines);
            scope.fork(writers::run);
            try {
                acceptUntilClosed(scope);
                // The socket closed: a drain (sessions go on) or a shutdown, which interrupts us.
                new CountDownLatch(1).await();
            } catch (InterruptedException e) {
                log.debug("control listener shutting down");
            } finally {
                stopped.countDown();
                connections.forEach(ControlConnection::closeSocket);
                writers.stop();
            }
            scope.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void acceptUntilClosed(StructuredTaskScope<Object, Void> scope) {
        while (true) {
            SocketChannel connection;
            try {
                connection = server.accept();
            } catch (ClosedChannelException e) {
                return;
            } catch (IOException e) {
                // Typically EMFILE: out of descriptors. Back off briefly instead of spinning.
                log.atWarn().addKeyValue("event", "accept_failed").log("accept failed: {}", e.toString());
                if (!pause()) {
                    return;
                }
                continue;
            }
            InetAddress address = remoteAddress(connection);
            configure(connection);
            ControlTransport opened = open(connection);
            if (opened == null) {
                continue;
            }
            ServerConfig config = config();
            // Only this thread adds connections, so the check and the add cannot let in more than the limit.
            if (connections.size() >= config.get(Settings.MAX_SESSIONS)) {
                reject(connection, "the server has its maximum of " + config.get(Settings.MAX_SESSIONS) + " control connections");
                continue;
            }
            if (!admitFrom(address, config.get(Settings.MAX_SESSIONS_PER_ADDRESS))) {
                reject(connection, "your address (" + AddressBlock.of(address) + ") has its maximum of "
                        + config.get(Settings.MAX_SESSIONS_PER_ADDRESS) + " control connections");
                continue;
            }
            ControlConnection session = new ControlConnection(opened, this, address);
            connections.add(session);
            session.raiseDeadlines(); // its first line, and hello, have begun
            scope.fork(session::run);
        }
    }

    /**
     * Turns off Nagle's algorithm (a reply is one small write the client waits for; with Nagle and
     * delayed ACKs, pipelined replies waited tens of milliseconds) and turns on TCP keepalive, so a
     * client that vanished without a FIN or RST (power loss, a NAT that forgot it) is noticed and its
     * channels deleted. Where the OS lacks the keepalive timing options, its own timing applies.
     */
    private void configure(SocketChannel connection) {
        Duration idle = config().get(Settings.TCP_KEEPALIVE);
        try {
            connection.setOption(StandardSocketOptions.TCP_NODELAY, true);
            if (idle.isZero()) {
                return;
            }
            connection.setOption(StandardSocketOptions.SO_KEEPALIVE, true);
            if (connection.supportedOptions().contains(ExtendedSocketOptions.TCP_KEEPIDLE)) {
                connection.setOption(ExtendedSocketOptions.TCP_KEEPIDLE, (int) Math.max(1, idle.toSeconds()));
                connection.setOption(ExtendedSocketOptions.TCP_KEEPINTERVAL, KEEPALIVE_INTERVAL_SECONDS);
                connection.setOption(ExtendedSocketOptions.TCP_KEEPCOUNT, KEEPALIVE_PROBES);
            }
        } catch (IOException e) {
            log.debug("configuring a new connection failed: {}", e.toString());
        }
    }

    /** The connection's streams, plain or under TLS; null (and the connection closed) when it is already gone. */
    private ControlTransport open(SocketChannel connection) {
        try {
            return transports.open(connection);
        } catch (IOException e) {
            log.debug("a new connection failed at once: {}", e.toString());
            try {
                connection.close();
            } catch (IOException ignored) {
                // it is gone either way
            }
            return null;
        }
    }

    /**
     * Tells a connection over the limit why, then closes it. A fresh socket's buffer takes the line at once.
     * Under TLS the line would cost a handshake, the work the server is refusing: the client sees the close.
     */
    private void reject(SocketChannel connection, String why) {
        count(SessionCloseReason.REJECTED);
        try (connection) {
            if (transports.speaksPlainText()) {
                connection.write(ByteBuffer.wrap(ControlCodec.encodeError(null, ErrorCode.LIMIT, why)));
                connection.shutdownOutput();
            }
        } catch (IOException e) {
            log.debug("rejecting a connection failed: {}", e.toString());
        }
    }

    /**
     * The checker thread: closes sessions past a deadline ({@link SessionDeadlines}), until the
     * listener stops. A check that throws is logged, and the next goes on: a dead checker would
     * never close a stalled session again.
     */
    private void checkDeadlines() {
        try {
            while (!stopped.await(deadlines.nextCheckInMs(), TimeUnit.MILLISECONDS)) {
                try {
                    deadlines.check(clock.nanoTime());
                } catch (RuntimeException e) {
                    log.warn("checking session deadlines failed", e);
                }
            }
        } catch (InterruptedException e) {
            // the listener is closing
        }
    }

    private static InetAddress remoteAddress(SocketChannel connection) {
        try {
            return ((InetSocketAddress) connection.getRemoteAddress()).getAddress();
        } catch (IOException e) {
            return InetAddress.getLoopbackAddress(); // already gone; the session ends at once
        }
    }

    private static boolean pause() {
        try {
            Thread.sleep(50);
            return true;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }
}
