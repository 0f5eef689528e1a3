package io.chanmux.server.control;

import io.chanmux.protocol.control.ControlCodec;
import io.chanmux.protocol.control.ErrorCode;
import io.chanmux.protocol.control.LineReader;
import io.chanmux.protocol.control.LineTooLongException;
import io.chanmux.protocol.control.RequestException;
import io.chanmux.protocol.control.ServerEvent;
import io.chanmux.protocol.wire.HostPort;
import io.chanmux.server.base.NanoClock;
import io.chanmux.server.config.Settings;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;

import java.io.BufferedOutputStream;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicBoolean;
import javax.net.ssl.SSLHandshakeException;

/**
 * One control connection's I/O, plain or TLS ({@link ControlTransport}), on one thread while it
 * idles: the connection's own thread reads request lines, hands each to the connection's {@link
 * ControlSession}, and then writes what the byte-bounded {@link Outbox} holds (its reply, and any
 * events queued meanwhile), encoding typed items as it goes. Events that arrive while it is parked
 * in a read are written by a writer thread the {@link ControlWriters} start for them, which ends
 * once the outbox is empty; the outbox lets one thread write at a time, so lines keep queue order.
 * It also keeps the line and write deadlines the listener's checker enforces ({@link
 * SessionDeadlines}: the threads that move a deadline earlier raise the connection there), and
 * closes the connection for the server's reasons.
 *
 * <p>Why not a reader and a writer thread for the whole connection: most sessions are idle peers,
 * and the second parked thread (its stack above all) took the live heap of 10,000 sessions from
 * 87 to 112 MB (docs/benchmarks.md §7.1).
 *
 * <p>{@link #run} is one try/finally: whatever ends the connection, the session is ended (its
 * peers and channels released), the outbox emptied and the listener's permit returned.
 */
final class ControlConnection extends SessionDeadlines.Watched {
    private static final Logger log = LoggerFactory.getLogger(ControlConnection.class);
    /** The log context key of a session's lines. */
    private static final String SESSION = "session";
    private static final long IDLE = Long.MIN_VALUE;
    private static final Duration LINGER = Duration.ofSeconds(2);
    private static final long LINGER_BYTES = 1 << 20;
    /**
     * Gathers a burst of small lines into one write; a longer line goes to the socket directly.
     * Made for each run of writes and dropped after it, so an idle connection holds none.
     */
    private static final int WRITE_BUFFER_BYTES = 512;

    private final ControlTransport socket;
    private final InetAddress address;
    private final ControlListener listener;
    private final NanoClock clock;
    private final Outbox outbox;
    private final ControlSession session;
    private final Replies replies;
    private final AtomicBoolean closedByServer = new AtomicBoolean();
    private final long openedNs;
    /** When the line being read started (the connection's start for the first line); IDLE between lines. */
    private volatile long lineStartedNs;
    /** When the write in progress started; IDLE when nobody writes. */
    private volatile long writeStartedNs = IDLE;
    /** Set as the connection's thread ends: from then on the checker leaves the connection alone. */
    private volatile boolean ended;

    ControlConnection(ControlTransport socket, ControlListener listener, InetAddress address) {
        this.socket = socket;
        this.address = address;
        this.listener = listener;
        this.clock = listener.clock();
        this.outbox = new Outbox(listener.config().get(Settings.SESSION_OUTBOUND_BYTES));
        this.replies = new Replies(listener.requests());
        this.openedNs = clock.nanoTime();
        this.lineStartedNs = openedNs;
        this.session = new ControlSession(this, listener, replies);
    }

    /** The client's IP address, for the per-address connection limit. */
    InetAddress address() {
        return address;
    }

    /** The session's outbound data. */
    Outbox outbox() {
        return outbox;
    }

    /** Whether the socket is still open. */
    boolean isOpen() {
        return socket.isOpen();
    }

    /** Queues an event from the listener (e.g. {@code draining}); never blocks. */
    void tell(ServerEvent event) {
        session.tell(event, true);
    }

    /**
     * Closes the connection if it has not said {@code hello} in time, its current line or write
     * has taken too long, or it has idled holding nothing past the idle timeout (0: never); true
     * when it closed it. The listener's checker, which leaves a connection that has ended alone.
     */
    @Override
    boolean closeIfOverdue(long nowNs, SessionDeadlines.Timeouts timeouts) {
        long line = lineStartedNs;
        long write = writeStartedNs;
        SessionCloseReason overdue;
        if (!session.isAuthenticated() && nowNs - openedNs > timeouts.lineNs()) {
            overdue = SessionCloseReason.AUTH_TIMEOUT;
        } else if (line != IDLE && nowNs - line > timeouts.lineNs()) {
            overdue = SessionCloseReason.LINE_TIMEOUT;
        } else if (write != IDLE && nowNs - write > timeouts.writeNs()) {
            overdue = SessionCloseReason.WRITE_TIMEOUT;
        } else if (timeouts.idleNs() > 0 && line == IDLE && session.idleSince(nowNs - timeouts.idleNs())) {
            overdue = SessionCloseReason.IDLE_TIMEOUT;
        } else {
            return false;
        }
        closeFor(overdue);
        return true;
    }

    /**
     * When the first of the connection's deadlines, as they stand, passes, or {@link
     * SessionDeadlines#NONE}: the checker's next look. A deadline that a later change moves earlier
     * (a line or a write starts, the session lets go of its last channel) raises the connection
     * again ({@link #raiseDeadlines}); one that moves later (a request, a line's end) needs nobody
     * told, as the look comes early and finds it so. The idle deadline counts while a line is in
     * progress too: that look is early, not wrong. The listener's checker.
     */
    @Override
    long firstDeadlineNs(SessionDeadlines.Timeouts timeouts) {
        long first = SessionDeadlines.NONE;
        if (!session.isAuthenticated()) {
            first = openedNs + timeouts.lineNs();
        }
        long line = lineStartedNs;
        if (line != IDLE) {
            first = Math.min(first, line + timeouts.lineNs());
        }
        long write = writeStartedNs;
        if (write != IDLE) {
            first = Math.min(first, write + timeouts.writeNs());
        }
        if (timeouts.idleNs() > 0 && session.holdsNothing()) {
            first = Math.min(first, session.lastRequestNs() + timeouts.idleNs());
        }
        return first;
    }

    /** Whether the connection's thread has ended: the checker drops it. */
    @Override
    boolean hasEnded() {
        return ended;
    }

    /**
     * Tells the checker a deadline of this connection may have moved earlier, or the connection
     * ended ({@link SessionDeadlines#raise}). After the change, on the thread that made it. Any thread.
     */
    void raiseDeadlines() {
        listener.deadlines().raise(this);
    }

    /** Ends the connection for a reason of the server's, counting it once. Any thread. */
    void closeFor(SessionCloseReason reason) {
        if (closedByServer.compareAndSet(false, true)) {
            listener.count(reason);
            // Any thread (the checker, a pool): name the session here, not through the MDC.
            log.atInfo().addKeyValue("event", "session_closed_by_server").addKeyValue(SESSION, session.id())
                    .addKeyValue("reason", reason.wireName())
                    .log("session {} ({}) closed: {}", session.id(), session.clientName(), reason.wireName());
        }
        closeSocket();
    }

    /** Closes the socket and drops what is queued; the reader and any writer then end. Any thread. */
    void closeSocket() {
        try {
            socket.close();
        } catch (IOException e) {
            log.debug("session {}: close failed", session.id(), e);
        }
        // After the socket: the writer and reader this wakes must find it closed, not say goodbye on it.
        outbox.close();
        session.abandonPending();
    }

    /** The connection's thread. Every line logged on it carries the session id. */
    void run() {
        MDC.put(SESSION, session.id());
        log.atInfo().addKeyValue("event", "session_opened").log("session {} opened from {}", session.id(), remoteAddress());
        try {
            boolean lineTooLong = readRequests();
            if (writeLastLines() && lineTooLong) {
                discardInput();
            }
        } finally {
            ended = true;
            raiseDeadlines(); // so the checker lets go of it now, not at its next look
            closeSocket();
            session.end();
            listener.connectionEnded(this);
            log.atInfo().addKeyValue("event", "session_closed")
                    .log("session {} ({}) closed", session.id(), session.clientName());
            MDC.remove(SESSION);
        }
    }

    /**
     * A writer thread: writes what is queued, then ends. Its starter gave it the outbox's writer's
     * role. Not just {@link #writeUntilEmpty}: nothing above this thread would log a bug that
     * escapes it, or give back the role, so the connection would wait for the write timeout.
     */
    void writeQueued() {
        try {
            writeUntilEmpty();
        } catch (RuntimeException | Error e) {
            writeStartedNs = IDLE;
            closeAfterWriterFailed("writer_failed", e);
        }
    }

    /**
     * No writer thread could be started for the events queued ({@link ControlWriters}): closes the
     * connection, whose outbox would otherwise keep its writer's role with nobody writing.
     */
    void writerNotStarted(Throwable cause) {
        closeAfterWriterFailed("writer_fork_failed", cause);
    }

    /** A writer failed in a way no write timeout covers: the role is never given back, so close (which wakes its waiters). */
    private void closeAfterWriterFailed(String event, Throwable cause) {
        closeSocket();
        // Any thread (a writer thread, the writers' owner): name the session here, not through the MDC.
        log.atWarn().addKeyValue("event", event).addKeyValue(SESSION, session.id()).setCause(cause)
                .log("session {}: writing its events failed, closing it: {}", session.id(), cause.toString());
    }

    /**
     * Writes the lines queued after reading ended, then sends FIN rather than closing, so a client
     * whose unread request bytes are still arriving (an oversized line) gets our last line, not a
     * reset. False when the connection closed first or the write failed.
     */
    private boolean writeLastLines() {
        try {
            if (!outbox.finishAndClaimWriter(listener.config().get(Settings.WRITE_TIMEOUT).toNanos())) {
                if (socket.isOpen()) {
                    closeFor(SessionCloseReason.WRITE_TIMEOUT); // a writer thread held the role that long
                }
                return false;
            }
            if (writeUntilEmpty()) {
                socket.shutdownOutput();
                return true;
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (IOException e) {
            log.debug("session {}: shutting down output failed: {}", session.id(), e.toString());
            closeSocket();
        }
        return false;
    }

    /**
     * Writes what is queued, in order, until the outbox is empty, then gives up the writer's role.
     * The caller holds the role. False (and the connection closed) when a write failed.
     */
    private boolean writeUntilEmpty() {
        try {
            OutputStream out = new BufferedOutputStream(socket.output(), WRITE_BUFFER_BYTES);
            do {
                for (Outbound item; (item = outbox.poll()) != null; ) {
                    // Per item, so a client that reads slowly but steadily is not taken for a stalled one.
                    boolean starting = writeStartedNs == IDLE;
                    writeStartedNs = clock.nanoTime();
                    if (starting) {
                        raiseDeadlines();
                    }
                    out.write(encode(item));
                }
                out.flush();
                writeStartedNs = IDLE;
            } while (!outbox.releaseWriter());
            return true;
        } catch (IOException e) {
            log.debug("session {}: write failed: {}", session.id(), e.toString());
            writeStartedNs = IDLE; // the failure is the end of it, not a write still overdue
            closeSocket(); // also drops the queue, so nobody waits for this writer
            return false;
        }
    }

    private byte[] encode(Outbound item) {
        return switch (item) {
            case Outbound.Line line -> line.line();
            case Outbound.Event event -> ControlCodec.encodeEvent(event.event());
            case Outbound.PoolReply reply -> replies.poolReply(reply);
        };
    }

    /**
     * Reads requests and answers each, writing what is queued after each answer, until the client
     * ends, the connection closes or a line is too long. True for a line too long: its error is
     * queued, and the client's remaining input is to be discarded once it is written.
     */
    private boolean readRequests() {
        try {
            LineReader lines = new LineReader(new LineTimer(socket.input()),
                    ControlCodec.MAX_LINE_BYTES);
            byte[] line;
            while ((line = lines.readLine()) != null) {
                lineStartedNs = IDLE; // time spent answering is not the client's
                if (!isBlank(line) && !(session.handle(line) && writeReplies())) {
                    return false;
                }
                if (lines.hasPartialLine()) {
                    startLineClock();
                }
            }
        } catch (LineTooLongException e) {
            if (closedByServer.compareAndSet(false, true)) {
                listener.count(SessionCloseReason.LINE_TOO_LONG);
            }
            byte[] error = replies.error(null, null, new RequestException(ErrorCode.LIMIT,
                    "line longer than " + e.limitBytes() + " bytes; closing the connection"));
            try {
                return outbox.putReply(new Outbound.Line(error));
            } catch (InterruptedException interrupted) {
                Thread.currentThread().interrupt();
            }
        } catch (SSLHandshakeException e) {
            // A plain-text client, or one that distrusts us.
            log.atInfo().addKeyValue("event", "tls_handshake_failed").log("session {}: {}", session.id(), e.getMessage());
            closeFor(SessionCloseReason.TLS_HANDSHAKE);
        } catch (IOException e) {
            log.debug("session {}: read ended: {}", session.id(), e.toString());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return false;
    }

    /**
     * Writes the reply just queued, and whatever else is, unless a writer thread is at it. While
     * this thread writes it reads no more requests, so a client that reads slowly is pushed back
     * by TCP. False when the write failed.
     */
    private boolean writeReplies() {
        return !outbox.claimWriter() || writeUntilEmpty();
    }

    /**
     * Reads and drops what the client still sends, for a bounded time and amount, so that closing
     * the socket does not reset the connection before the client has read our error line.
     */
    private void discardInput() {
        try {
            socket.setReadTimeout(LINGER);
            var in = socket.input();
            byte[] sink = new byte[8192];
            long budget = LINGER_BYTES;
            int n;
            while (budget > 0 && (n = in.read(sink)) >= 0) {
                budget -= n;
            }
        } catch (IOException e) {
            log.debug("session {}: discarding input ended: {}", session.id(), e.toString());
        }
    }

    /** A line has started: its deadline is the connection's first, maybe. Its own thread. */
    private void startLineClock() {
        lineStartedNs = clock.nanoTime();
        raiseDeadlines();
    }

    private String remoteAddress() {
        try {
            return HostPort.format((InetSocketAddress) socket.remoteAddress());
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
                startLineClock();
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
