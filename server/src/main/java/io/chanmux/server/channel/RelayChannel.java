package io.chanmux.server.channel;

import io.chanmux.protocol.wire.Datagram;
import io.chanmux.server.base.NanoClock;

import javax.crypto.SecretKey;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.DatagramChannel;
import java.util.concurrent.locks.LockSupport;

/**
 * One channel's UDP port and the virtual thread that serves it: blocking receive, validate, then
 * fan-out of the unchanged datagram to every other bound peer.
 *
 * <p>Threading: {@link #run} is the channel thread, the single writer of everything on the
 * datagram path: it is the only reader of the socket and the only sender on it (forwarded DATA,
 * BIND_OK, CHALLENGE, PONG), it binds peers ({@link Peer#bind}) and writes every counter. The
 * owning pool's thread calls {@link #publish} (membership) and {@link #close}. Other threads only
 * read ({@link #peers}, {@link #counters}, a peer's address and activity). The receive path takes
 * no lock and allocates nothing of its own per forwarded datagram; it stops when the socket is
 * closed, which is the normal way out.
 *
 * <p>Binding is return-routable (protocol 2): a BIND with the right token from the peer's bound
 * address is answered BIND_OK; from any other address it binds nothing and is answered with one
 * CHALLENGE of the BIND's own size, within a per-peer and a per-source budget; a CONFIRM that
 * echoes the {@link BindCookies cookie} from that address moves the binding there.
 */
public final class RelayChannel {
    /** Datagrams handled before the thread yields its carrier (virtual threads are not time-sliced). */
    static final int DATAGRAMS_PER_TURN = 64;

    private final String id;
    private final int port;
    private final DatagramChannel socket;
    private final int maxDatagramBytes;
    private final NanoClock clock;
    private final BindCookies cookies;
    private final SourceChallengeLimits sourceChallengeLimits = new SourceChallengeLimits();
    private final RelayCounters counters = new RelayCounters();
    private final ByteBuffer replyBuffer = ByteBuffer.allocateDirect(Datagram.CHALLENGE_BYTES);
    private volatile PeerTable peers = PeerTable.EMPTY;
    /** The table {@link #targets} was built from. Channel thread only. */
    private PeerTable seen = PeerTable.EMPTY;
    /** Each member's bound address (null while unbound), by its index in {@link #seen}. Channel thread only. */
    private InetSocketAddress[] targets = new InetSocketAddress[0];

    /**
     * @param cookieKey the server's bind-cookie key ({@link BindCookies#newKey})
     * @param clock     the server clock: rate limits, activity and cookie time slots
     */
    public RelayChannel(String id, DatagramChannel socket, int port, int maxDatagramBytes, SecretKey cookieKey,
                        NanoClock clock) {
        this.id = id;
        this.socket = socket;
        this.port = port;
        this.maxDatagramBytes = maxDatagramBytes;
        this.clock = clock;
        this.cookies = new BindCookies(cookieKey, clock);
    }

    /** The channel id. */
    public String id() {
        return id;
    }

    /** The UDP port the channel's socket is bound to. */
    public int port() {
        return port;
    }

    /** The current member snapshot. */
    public PeerTable peers() {
        return peers;
    }

    /** This channel's counters. */
    public RelayCounters counters() {
        return counters;
    }

    /** Installs a new member snapshot. Pool thread only. */
    public void publish(PeerTable table) {
        peers = table;
    }

    /** Closes the socket, which ends {@link #run}. Idempotent. */
    public void close() throws IOException {
        socket.close();
    }

    /** The channel thread: receives until the socket is closed. */
    public void run() {
        ByteBuffer buffer = ByteBuffer.allocateDirect(maxDatagramBytes + 1);
        for (int handled = 1; ; handled++) {
            if (handled % DATAGRAMS_PER_TURN == 0) {
                // A receive that finds a datagram waiting never parks, so under a flood this thread
                // would keep its carrier. Thread.yield() is not enough: it requeues this thread on its
                // carrier's own queue, ahead of threads woken from outside (the control plane). A
                // timed park goes through the scheduler's shared queue, behind them.
                LockSupport.parkNanos(1);
            }
            buffer.clear();
            InetSocketAddress source;
            try {
                source = (InetSocketAddress) socket.receive(buffer);
            } catch (ClosedChannelException closed) {
                return;
            } catch (IOException e) {
                // ICMP errors can surface here on some platforms; nothing was received.
                counters.increment(RelayCounter.RECEIVE_ERRORS);
                continue;
            }
            onDatagram(buffer, buffer.position(), source);
        }
    }

    /** Validates one received datagram held in {@code buffer[0, length)} and acts on it. Channel thread only. */
    void onDatagram(ByteBuffer buffer, int length, InetSocketAddress source) {
        counters.increment(RelayCounter.DATAGRAMS_IN);
        counters.add(RelayCounter.BYTES_IN, length);
        if (length > maxDatagramBytes) {
            counters.increment(RelayCounter.DROP_OVERSIZE);
            return;
        }
        if (length < Datagram.HEADER_BYTES) {
            counters.increment(RelayCounter.DROP_TOO_SHORT);
            return;
        }
        byte type = Datagram.type(buffer);
        if (type != Datagram.DATA && type != Datagram.BIND && type != Datagram.PING && type != Datagram.CONFIRM) {
            counters.increment(RelayCounter.DROP_UNKNOWN_TYPE);
            return;
        }
        PeerTable table = currentTable();
        int sender = table.indexOf(Datagram.peer(buffer));
        if (sender < 0) {
            counters.increment(RelayCounter.DROP_UNKNOWN_PEER);
            return;
        }
        Peer peer = table.peer(sender);
        if (type == Datagram.BIND) {
            onBind(buffer, length, source, peer, sender);
            return;
        }
        if (type == Datagram.CONFIRM) {
            onConfirm(buffer, length, source, peer, sender);
            return;
        }
        InetSocketAddress bound = targets[sender];
        if (bound == null) {
            counters.increment(RelayCounter.DROP_NOT_BOUND);
        } else if (!bound.equals(source)) {
            counters.increment(RelayCounter.DROP_WRONG_SOURCE);
        } else if (type == Datagram.PING && length != Datagram.PING_BYTES) {
            counters.increment(RelayCounter.DROP_BAD_LENGTH);
        } else if (admitted(peer, length)) {
            if (type == Datagram.DATA) {
                fanOut(buffer, length, sender);
            } else {
                buffer.put(0, Datagram.PONG);
                reply(buffer.limit(length).position(0), bound, RelayCounter.PONGS);
            }
        }
    }

    /**
     * The published table, and {@link #targets} in step with it: rebuilt only when the pool has
     * published a new table since the last datagram (a reference compare), so a datagram normally
     * costs one volatile read and nothing else.
     */
    private PeerTable currentTable() {
        PeerTable table = peers;
        if (table != seen) {
            InetSocketAddress[] rebuilt = table.size() == targets.length ? targets : new InetSocketAddress[table.size()];
            for (int i = 0; i < rebuilt.length; i++) {
                rebuilt[i] = table.peer(i).address();
            }
            targets = rebuilt;
            seen = table;
        }
        return table;
    }

    /** A BIND: BIND_OK from the bound address; from any other, a CHALLENGE and no binding. */
    private void onBind(ByteBuffer buffer, int length, InetSocketAddress source, Peer peer, int index) {
        if (length != Datagram.BIND_BYTES) {
            counters.increment(RelayCounter.DROP_BAD_LENGTH);
        } else if (!Datagram.tokenMatches(buffer, Datagram.HEADER_BYTES, peer.token())) {
            counters.increment(RelayCounter.DROP_BAD_TOKEN);
        } else if (source.equals(targets[index])) {
            if (admitted(peer, length)) {
                reply(Datagram.putHeader(replyBuffer, Datagram.BIND_OK, peer.id()).flip(), source, RelayCounter.BIND_OK);
            }
        } else {
            challenge(peer, source);
        }
    }

    /**
     * Sends {@code source} one CHALLENGE, as long as neither the source address's nor the peer's
     * challenge budget is spent. It is as long as the BIND it answers, and the source receives
     * nothing else until it proves, by echoing the cookie, that it asked.
     */
    private void challenge(Peer peer, InetSocketAddress source) {
        long now = clock.nanoTime();
        if (!sourceChallengeLimits.admit(source, now) || !peer.rateLimit().admitChallenge(now)) {
            counters.increment(RelayCounter.DROP_CHALLENGE_LIMITED);
            return;
        }
        byte[] cookie = cookies.issue(peer.id(), source);
        reply(Datagram.encodeChallenge(replyBuffer, peer.id(), cookie), source, RelayCounter.CHALLENGES);
    }

    /**
     * A CONFIRM: with the right token and a cookie issued for this peer and source, the binding
     * moves to the source (before BIND_OK is sent). It is charged to the peer's rate limit before
     * the cookie is checked, so a flood of forged cookies costs the server at most the peer's
     * datagram rate in MAC computations.
     */
    private void onConfirm(ByteBuffer buffer, int length, InetSocketAddress source, Peer peer, int index) {
        if (length != Datagram.CONFIRM_BYTES) {
            counters.increment(RelayCounter.DROP_BAD_LENGTH);
            return;
        }
        if (!Datagram.tokenMatches(buffer, Datagram.HEADER_BYTES, peer.token())) {
            counters.increment(RelayCounter.DROP_BAD_TOKEN);
            return;
        }
        long now = clock.nanoTime();
        if (!peer.rateLimit().admit(length, now)) {
            counters.increment(RelayCounter.DROP_RATE_LIMITED);
            return;
        }
        if (!cookies.verify(buffer, Datagram.CONFIRM_COOKIE_OFFSET, peer.id(), source)) {
            counters.increment(RelayCounter.DROP_BAD_COOKIE);
            return;
        }
        peer.activity().record(now, length);
        if (!source.equals(targets[index])) {
            peer.bind(source);
            targets[index] = source;
        }
        reply(Datagram.putHeader(replyBuffer, Datagram.BIND_OK, peer.id()).flip(), source, RelayCounter.BIND_OK);
    }

    /** Charges a verified datagram to its peer's rate limit and, if within it, records it as the peer's activity. */
    private boolean admitted(Peer peer, int length) {
        long now = clock.nanoTime();
        if (!peer.rateLimit().admit(length, now)) {
            counters.increment(RelayCounter.DROP_RATE_LIMITED);
            return false;
        }
        peer.activity().record(now, length);
        return true;
    }

    private void fanOut(ByteBuffer buffer, int length, int sender) {
        InetSocketAddress[] bound = targets;
        int copies = 0;
        for (int i = 0; i < bound.length; i++) {
            InetSocketAddress target = bound[i];
            if (i != sender && target != null && send(buffer, length, target)) {
                copies++;
            }
        }
        counters.add(RelayCounter.FORWARDED, copies);
        counters.add(RelayCounter.BYTES_FORWARDED, (long) copies * length);
    }

    /** Sends a whole answer datagram ({@code datagram} flipped) and counts it under {@code sent}. */
    private void reply(ByteBuffer datagram, InetSocketAddress target, RelayCounter sent) {
        try {
            socket.send(datagram, target);
            counters.increment(sent);
        } catch (IOException e) {
            counters.increment(RelayCounter.SEND_ERRORS);
        }
    }

    private boolean send(ByteBuffer buffer, int length, InetSocketAddress target) {
        buffer.limit(length).position(0);
        try {
            socket.send(buffer, target);
            return true;
        } catch (IOException e) {
            counters.increment(RelayCounter.SEND_ERRORS);
            return false;
        }
    }
}
