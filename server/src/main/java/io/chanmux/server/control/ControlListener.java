package io.chanmux.server.control;

import io.chanmux.protocol.control.ControlCodec;
import io.chanmux.protocol.control.ErrorCode;
import io.chanmux.protocol.control.ServerEvent;
import io.chanmux.server.base.AddressBlock;
import io.chanmux.server.base.NanoClock;
import io.chanmux.server.ServerConfig;
import io.chanmux.server.pool.ChannelDirectory;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Semaphore;
import java.util.concurrent.StructuredTaskScope;
import java.util.concurrent.StructuredTaskScope.Joiner;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.atomic.LongAdder;

/**
 * The control port's accept loop. Each accepted connection becomes a {@link ControlConnection} on its
 * own virtual thread, forked in this listener's scope, so the listener owns every session's
 * lifetime. An admission permit is taken before a session starts: past {@code maxSessions} a new
 * connection gets a {@code limit} error line and is closed. A checker thread in the same scope
 * closes sessions whose line or write deadline has passed.
 *
 * <p>{@link #run} is the listener thread. When the server socket closes it stops accepting but keeps
 * its sessions (a drain); when the thread is interrupted (shutdown) it closes every session's
 * connection and waits for the sessions to finish.
 */
public final class ControlListener {
    private static final Logger log = LoggerFactory.getLogger(ControlListener.class);

    private final ServerSocketChannel server;
    private final ServerConfig config;
    private final ChannelDirectory directory;
    private final NanoClock clock;
    private final SharedSecret secret;
    private final Semaphore admission;
    private final Set<ControlConnection> sessions = ConcurrentHashMap.newKeySet();
    /** Open sessions per IPv4 address or IPv6 /64, for {@code --max-sessions-per-address}. */
    private final Map<AddressBlock, Integer> sessionsByAddress = new ConcurrentHashMap<>();
    private final AtomicLongArray closes = new AtomicLongArray(SessionCloseReason.values().length);
    private final CountDownLatch stopped = new CountDownLatch(1);
    private final RequestCounts requests = new RequestCounts();
    private final ReadOnlyOps readOnlyOps;
    private final LongAdder droppedEvents = new LongAdder();
    private final Runnable drainTrigger;
    private volatile boolean draining;

    /**
     * @param drainTrigger what the admin {@code drain} op runs: the server's drain
     */
    public ControlListener(ServerSocketChannel server, ServerConfig config, ChannelDirectory directory,
                           NanoClock clock, Runnable drainTrigger) {
        this.server = server;
        this.drainTrigger = drainTrigger;
        this.config = config;
        this.directory = directory;
        this.clock = clock;
        this.secret = config.secret() == null ? null : new SharedSecret(config.secret());
        this.admission = new Semaphore(config.maxSessions());
        this.readOnlyOps = new ReadOnlyOps(directory, this, clock);
    }

    /** Sessions whose connection is open. */
    public int sessionCount() {
        return sessions.size();
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
        return draining;
    }

    /**
     * Starts draining: marks the listener so {@code create} is refused and tells every session with
     * a {@code draining} event. The caller closes the server socket, which stops new sessions.
     */
    public void beginDrain(ServerEvent.Draining event) {
        draining = true;
        sessions.forEach(connection -> connection.tell(event));
    }

    /** Runs the server's drain; the admin {@code drain} op calls it. */
    void triggerDrain() {
        drainTrigger.run();
    }

    ServerConfig config() {
        return config;
    }

    ChannelDirectory directory() {
        return directory;
    }

    ReadOnlyOps readOnlyOps() {
        return readOnlyOps;
    }

    /** Churn events dropped because their session's outbox was half full, since the server started. */
    public long droppedEvents() {
        return droppedEvents.sum();
    }

    void countDroppedEvent() {
        droppedEvents.increment();
    }

    NanoClock clock() {
        return clock;
    }

    /** The shared secret hello must present, or null when the server has none. */
    SharedSecret secret() {
        return secret;
    }

    void count(SessionCloseReason reason) {
        closes.incrementAndGet(reason.ordinal());
    }

    void sessionEnded(ControlConnection session) {
        if (sessions.remove(session)) {
            admission.release();
            sessionsByAddress.computeIfPresent(AddressBlock.of(session.address()),
                    (block, open) -> open == 1 ? null : open - 1);
        }
    }

    /**
     * Counts a new connection against its address's limit (an IPv6 address's /64, see {@link
     * AddressBlock}); false (and nothing counted) when that block already has {@code
     * maxSessionsPerAddress} open. Listener thread only.
     */
    private boolean admitFrom(InetAddress address) {
        int limit = config.maxSessionsPerAddress();
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
            try {
                acceptUntilClosed(scope);
                // The socket closed: a drain (sessions go on) or a shutdown, which interrupts us.
                new CountDownLatch(1).await();
            } catch (InterruptedException e) {
                log.debug("control listener shutting down");
            } finally {
                stopped.countDown();
                sessions.forEach(ControlConnection::closeSocket);
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
                log.warn("accept failed: {}", e.toString());
                if (!pause()) {
                    return;
                }
                continue;
            }
            InetAddress address = remoteAddress(connection);
            if (!admission.tryAcquire()) {
                reject(connection, "the server has its maximum of " + config.maxSessions() + " control connections");
                continue;
            }
            if (!admitFrom(address)) {
                admission.release();
                reject(connection, "your address (" + AddressBlock.of(address) + ") has its maximum of "
                        + config.maxSessionsPerAddress() + " control connections");
                continue;
            }
            ControlConnection session = new ControlConnection(connection, this, address);
            sessions.add(session);
            scope.fork(session::run);
        }
    }

    /** Tells a connection over the limit why, then closes it. A fresh socket's buffer takes the line at once. */
    private void reject(SocketChannel connection, String why) {
        count(SessionCloseReason.REJECTED);
        try (connection) {
            connection.write(ByteBuffer.wrap(ControlCodec.encodeError(null, ErrorCode.LIMIT, why)));
            connection.shutdownOutput();
        } catch (IOException e) {
            log.debug("rejecting a connection failed: {}", e.toString());
        }
    }

    /** The checker thread: closes sessions past a deadline, until the listener stops. */
    private void checkDeadlines() {
        long periodMs = config.sessionCheckInterval().toMillis();
        long lineTimeoutNs = config.lineTimeout().toNanos();
        long writeTimeoutNs = config.writeTimeout().toNanos();
        try {
            while (!stopped.await(periodMs, TimeUnit.MILLISECONDS)) {
                long now = clock.nanoTime();
                for (ControlConnection session : sessions) {
                    session.closeIfOverdue(now, lineTimeoutNs, writeTimeoutNs);
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
