package io.chanmux.server.channel;

import io.chanmux.protocol.wire.Datagram;
import io.chanmux.server.base.NanoClock;
import io.chanmux.server.config.PeerRates;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.DatagramChannel;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Supplier;

/**
 * One UDP socket and the thread that reads it: receive, validate, bind, then fan-out of the
 * unchanged datagram to every other bound peer of the sender's channel, sent from this same
 * socket. A channel with a port of its own has one (its "channel thread"); in single-port mode
 * each socket of the shared port has one, and any of them may serve any channel, finding the
 * sender through the pools' peer indexes ({@link PeerLookup}).
 *
 * <p>Two engines read a socket ({@code --udp-engine}), through the same {@link #onDatagram}: a
 * virtual thread of its own doing blocking receive in {@link #run} (the default), or its pool's
 * poll loop, one platform thread that {@link #register}s the socket non-blocking with its selector
 * and calls {@link #drain} whenever the socket is readable. Whichever it is, that thread is "the
 * socket thread" below, and there is one per socket.
 *
 * <p>Threading: the socket thread is the only reader of its socket and the only sender on it
 * (forwarded DATA, BIND_OK, CHALLENGE, PONG); it binds peers whose CONFIRM it verified ({@link
 * Peer#bind}); it writes only its own row ({@link #writer}) of every counter and peer activity and
 * only its own rate limits, so every piece of state it writes has a single writer. Other threads
 * call {@link #close}. The receive path takes no lock and allocates nothing of its own per
 * forwarded datagram; it stops when the socket is closed, which is the normal way out.
 *
 * <p>Binding is return-routable (protocol 2): a BIND with the right token from the peer's bound
 * address is answered BIND_OK; from any other address it binds nothing and is answered with one
 * CHALLENGE of the BIND's own size, within a per-peer and a per-source budget; a CONFIRM that
 * echoes the {@link BindCookies cookie} from that address moves the binding there.
 *
 * <p>Counting: a datagram that names a live peer counts in that peer's channel; one that names no
 * peer (too short, oversize, unknown type or peer) counts in {@code unattributed}, which is the
 * channel's own counters for a port of its own and the shared port's counters otherwise.
 */
public final class RelayPort {
    /**
     * Datagrams handled between two turns given up. Virtual threads are not time-sliced: a socket
     * thread whose socket never runs dry (a flood, the shared port under load) would otherwise keep
     * its carrier, and with one carrier starve every control session, the pool's keepalive tick and shutdown.
     */
    static final int YIELD_EVERY = 64;

    private final DatagramChannel socket;
    private final int writer;
    private final PeerLookup peers;
    private final RelayCounters unattributed;
    private final int maxDatagramBytes;
    private final NanoClock clock;
    private final BindCookies cookies;
    private final SourceChallengeLimits sourceChallengeLimits;
    private final Supplier<PeerRates> peerRates;
    private final ByteBuffer replyBuffer = ByteBuffer.allocateDirect(Datagram.CHALLENGE_BYTES);
    /**
     * How fan-out copies are sent: one JDK send each, until {@link #register} may switch to
     * {@code sendmmsg}. Written and read by the socket thread only (the poll loop registers).
     */
    private CopySender copies;
    /**
     * Where {@link #drain} receives with {@code recvmmsg}, and this socket's descriptor for it; null
     * (one JDK receive per datagram) until {@link #register} is given a vector. Socket thread only.
     */
    private RecvmmsgVector batchReceiver;
    private int descriptor = -1;
    /**
     * Counted down as {@link #run} returns. A socket closed while a virtual thread receives on it
     * is closed in the kernel only once that thread runs again and leaves its receive (the JDK
     * leaves the close to it), so only then is the port free.
     */
    private final CountDownLatch runEnded = new CountDownLatch(1);

    /**
     * @param socket           the bound socket this port reads and sends on
     * @param writer           this thread's row in counters, activities and rate limits
     * @param peers            how to find the peer a datagram names
     * @param unattributed     where datagrams that name no live peer are counted
     * @param challengeSlots   the size of the per-source challenge table ({@link SourceChallengeLimits})
     */
    public RelayPort(DatagramChannel socket, int writer, PeerLookup peers, RelayCounters unattributed,
                     RelaySettings settings, int challengeSlots) {
        this.socket = socket;
        this.writer = writer;
        this.peers = peers;
        this.unattributed = unattributed;
        this.maxDatagramBytes = settings.maxDatagramBytes();
        this.clock = settings.clock();
        this.cookies = new BindCookies(settings.cookieKey(), settings.clock());
        this.sourceChallengeLimits = new SourceChallengeLimits(challengeSlots);
        this.peerRates = settings.peerRates();
        this.copies = new CopySender.PerCopy(socket, writer);
    }

    /** Closes the socket, which ends {@link #run}. Idempotent. */
    public void close() throws IOException {
        socket.close();
    }

    /**
     * Waits until {@link #run} has returned, after {@link #close}, or until {@code deadlineNs}
     * ({@link System#nanoTime}): once it has returned the kernel has closed the socket and its port
     * can be bound again. For a port whose {@link #run} has been started (the virtual-thread
     * engine); any other thread than {@link #run}'s.
     *
     * @return false when the deadline came first
     */
    public boolean awaitRunEnded(long deadlineNs) throws InterruptedException {
        return runEnded.await(deadlineNs - System.nanoTime(), TimeUnit.NANOSECONDS);
    }

    /**
     * A buffer {@link #run} or {@link #drain} receives into: one byte longer than the largest
     * datagram, so an oversize one shows as such instead of being cut to size.
     */
    public static ByteBuffer receiveBuffer(int maxDatagramBytes) {
        return ByteBuffer.allocateDirect(maxDatagramBytes + 1);
    }

    /** The socket thread of the virtual-thread engine: blocking receive until the socket is closed. */
    public void run() {
        try {
            ByteBuffer buffer = receiveBuffer(maxDatagramBytes);
            int sinceYield = 0;
            while (true) {
                if (++sinceYield == YIELD_EVERY) {
                    sinceYield = 0;
                    // Not Thread.yield(): it requeues this thread on its carrier's own queue, ahead of
                    // threads woken from outside (the control plane). A timed park goes through the
                    // scheduler's shared queue, behind them.
                    LockSupport.parkNanos(1);
                }
                receiveOne(buffer);
            }
        } catch (ClosedChannelException closed) {
            // the normal way out
        } finally {
            runEnded.countDown();
        }
    }

    /**
     * Makes the socket non-blocking and registers it with {@code selector} for reading, with
     * {@code attachment}, for {@link #drain}; from then on {@link #drain} takes datagrams with the
     * {@code recvmmsg} of {@code batch}'s {@link SendmmsgVector#payloads receive vector} and their
     * copies leave through {@code batch}'s {@code sendmmsg}, unless it is null (then one JDK
     * receive per datagram and one send per copy). Only the selector's own thread calls this, and
     * uses the vectors.
     */
    public SelectionKey register(Selector selector, Object attachment, SendmmsgVector batch) throws IOException {
        if (batch != null) {
            // Read before registering, so a failure leaves nothing registered. Once registered, the
            // key holds the socket open in the kernel until the loop deregisters it: the number stays ours.
            descriptor = NativeSockets.descriptor(socket);
            batchReceiver = batch.payloads();
            copies = batch.copiesFor(descriptor, writer);
        }
        socket.configureBlocking(false);
        return socket.register(selector, SelectionKey.OP_READ, attachment);
    }

    /** Whether datagrams are taken and sent in batches ({@code recvmmsg}, {@code sendmmsg}). Socket thread, or tests once it has registered. */
    boolean batched() {
        return batchReceiver != null;
    }

    /**
     * One turn of the poll-loop engine on a registered socket its selector found readable: receives
     * and handles datagrams until none is waiting or about {@code batch} were handled, so one
     * flooded socket cannot starve the others of its selector (a socket still holding datagrams is
     * simply ready again at the next select). With the vectors of {@link #register}, datagrams come
     * {@link RecvmmsgVector#CAPACITY} per call and the copies of each call's datagrams leave
     * together; otherwise one at a time through {@code buffer}, one of {@link #receiveBuffer}'s.
     * Only the selector's thread calls this. A closed socket ends the turn: its key is cancelled already.
     */
    public void drain(ByteBuffer buffer, int batch) {
        if (batchReceiver != null) {
            drainBatched(batch);
            return;
        }
        try {
            int handled = 0;
            while (handled < batch && receiveOne(buffer)) {
                handled++;
            }
        } catch (ClosedChannelException closed) {
            // closed by its pool as the loop read it: the loop will not select it again
        }
    }

    private void drainBatched(int batch) {
        int handled = 0;
        while (handled < batch) {
            int received = batchReceiver.receive(descriptor);
            if (received < 0) {
                // An error a sound socket may meet (NativeSockets#transientReceiveError); nothing was received.
                unattributed.increment(writer, RelayCounter.RECEIVE_ERRORS);
                return;
            }
            if (received == 0) {
                return; // drained: the selector says when more arrive
            }
            if (!socket.isOpen()) {
                // Deleted by its pool as the loop read it (the socket stays open in the kernel until
                // deregistered): its channel relays nothing more. The loop will not select it again.
                return;
            }
            // One clock read per call: its datagrams were all waiting at once. The rate limits lose
            // nothing by it: they accrue nothing within the call, and what accrues meanwhile is
            // credited at the next call's reading.
            long nowNs = clock.nanoTime();
            try {
                for (int i = 0; i < received; i++) {
                    onDatagram(batchReceiver.datagram(i), batchReceiver.length(i), batchReceiver.source(i), nowNs);
                }
            } finally {
                // The slots are taken again by the next call: their copies must be gone first.
                copies.flush();
            }
            if (received < RecvmmsgVector.CAPACITY) {
                return; // drained: the selector says when more arrive
            }
            handled += received;
        }
    }

    /**
     * Receives one datagram and acts on it.
     *
     * @return false when none was waiting (a non-blocking socket), true when one was handled or a
     *         receive error counted
     */
    private boolean receiveOne(ByteBuffer buffer) throws ClosedChannelException {
        buffer.clear();
        SocketAddress source;
        try {
            source = socket.receive(buffer);
        } catch (ClosedChannelException closed) {
            throw closed;
        } catch (IOException e) {
            // ICMP errors can surface here on some platforms; nothing was received.
            unattributed.increment(writer, RelayCounter.RECEIVE_ERRORS);
            return true;
        }
        if (source == null) {
            return false;
        }
        onDatagram(buffer, buffer.position(), (InetSocketAddress) source, clock.nanoTime());
        copies.flush();
        return true;
    }

    /**
     * Validates one received datagram held in {@code buffer[0, length)}, received at {@code nowNs}
     * ({@link RelaySettings#clock}), and acts on it. Socket thread only.
     */
    void onDatagram(ByteBuffer buffer, int length, InetSocketAddress source, long nowNs) {
        if (length > maxDatagramBytes) {
            countUnattributed(length, RelayCounter.DROP_OVERSIZE);
            return;
        }
        if (length < Datagram.HEADER_BYTES) {
            countUnattributed(length, RelayCounter.DROP_TOO_SHORT);
            return;
        }
        byte type = Datagram.type(buffer);
        if (type != Datagram.DATA && type != Datagram.BIND && type != Datagram.PING && type != Datagram.CONFIRM) {
            countUnattributed(length, RelayCounter.DROP_UNKNOWN_TYPE);
            return;
        }
        Peer peer = peers.find(Datagram.peer(buffer));
        if (peer == null) {
            countUnattributed(length, RelayCounter.DROP_UNKNOWN_PEER);
            return;
        }
        RelayChannel channel = peer.channel();
        RelayCounters counters = channel.counters();
        counters.increment(writer, RelayCounter.DATAGRAMS_IN);
        counters.add(writer, RelayCounter.BYTES_IN, length);
        if (type == Datagram.BIND) {
            onBind(buffer, length, source, peer, counters, nowNs);
            return;
        }
        if (type == Datagram.CONFIRM) {
            onConfirm(buffer, length, source, peer, counters, nowNs);
            return;
        }
        InetSocketAddress bound = peer.address();
        if (bound == null) {
            counters.increment(writer, RelayCounter.DROP_NOT_BOUND);
        } else if (bound != source && !bound.equals(source)) {
            // Identity first, a shortcut only: a binding is the source object its CONFIRM came
            // with, and the poll loop's receive hands out that same object for as long as the
            // address keeps its table entry (not on the shared port when another socket's loop
            // verified the CONFIRM). equals decides otherwise.
            counters.increment(writer, RelayCounter.DROP_WRONG_SOURCE);
            // The pool's keepalive tick turns this into a rebind hint for the peer's session.
            peer.recordWrongSource(writer, nowNs);
        } else if (type == Datagram.PING && length != Datagram.PING_BYTES) {
            counters.increment(writer, RelayCounter.DROP_BAD_LENGTH);
        } else if (admitted(peer, length, counters, nowNs)) {
            if (type == Datagram.DATA) {
                fanOut(buffer, length, peer, channel.peers(), counters);
            } else {
                buffer.put(0, Datagram.PONG);
                reply(buffer.limit(length).position(0), bound, counters, RelayCounter.PONGS);
            }
        }
    }

    private void countUnattributed(int length, RelayCounter drop) {
        unattributed.increment(writer, RelayCounter.DATAGRAMS_IN);
        unattributed.add(writer, RelayCounter.BYTES_IN, length);
        unattributed.increment(writer, drop);
    }

    /** A BIND: BIND_OK from the bound address; from any other, a CHALLENGE and no binding. */
    private void onBind(ByteBuffer buffer, int length, InetSocketAddress source, Peer peer, RelayCounters counters,
                        long nowNs) {
        if (length != Datagram.BIND_BYTES) {
            counters.increment(writer, RelayCounter.DROP_BAD_LENGTH);
        } else if (!Datagram.tokenMatches(buffer, Datagram.HEADER_BYTES, peer.token())) {
            counters.increment(writer, RelayCounter.DROP_BAD_TOKEN);
        } else if (source.equals(peer.address())) {
            if (admitted(peer, length, counters, nowNs)) {
                reply(Datagram.putHeader(replyBuffer, Datagram.BIND_OK, peer.id()).flip(), source, counters,
                        RelayCounter.BIND_OK);
            }
        } else {
            challenge(peer, source, counters, nowNs);
        }
    }

    /**
     * Sends {@code source} one CHALLENGE, as long as neither the source address's nor the peer's
     * challenge budget is spent. It is as long as the BIND it answers, and the source receives
     * nothing else until it proves, by echoing the cookie, that it asked.
     */
    private void challenge(Peer peer, InetSocketAddress source, RelayCounters counters, long nowNs) {
        // The peer's own budget first: a peer that spends it can no longer drain the shared
        // per-source buckets, which every other peer of the channel needs to bind.
        if (!peer.rateLimit(writer).admitChallenge(nowNs)
                || !sourceChallengeLimits.admit(source, peer.channel().challengeSalt(), nowNs)) {
            counters.increment(writer, RelayCounter.DROP_CHALLENGE_LIMITED);
            return;
        }
        byte[] cookie = cookies.issue(peer.id(), source);
        reply(Datagram.encodeChallenge(replyBuffer, peer.id(), cookie), source, counters, RelayCounter.CHALLENGES);
    }

    /**
     * A CONFIRM: with the right token and a cookie issued for this peer and source, the binding
     * moves to the source (before BIND_OK is sent). It is charged to the peer's rate limit before
     * the cookie is checked, so a flood of forged cookies costs the server at most the peer's
     * datagram rate in MAC computations.
     */
    private void onConfirm(ByteBuffer buffer, int length, InetSocketAddress source, Peer peer, RelayCounters counters,
                           long nowNs) {
        if (length != Datagram.CONFIRM_BYTES) {
            counters.increment(writer, RelayCounter.DROP_BAD_LENGTH);
            return;
        }
        if (!Datagram.tokenMatches(buffer, Datagram.HEADER_BYTES, peer.token())) {
            counters.increment(writer, RelayCounter.DROP_BAD_TOKEN);
            return;
        }
        if (!peer.rateLimit(writer).admit(length, nowNs, peerRates.get())) {
            counters.increment(writer, RelayCounter.DROP_RATE_LIMITED);
            return;
        }
        if (!cookies.verify(buffer, Datagram.CONFIRM_COOKIE_OFFSET, peer.id(), source)) {
            counters.increment(writer, RelayCounter.DROP_BAD_COOKIE);
            return;
        }
        peer.activity().record(writer, nowNs, length);
        if (!source.equals(peer.address())) {
            peer.bind(source);
        }
        reply(Datagram.putHeader(replyBuffer, Datagram.BIND_OK, peer.id()).flip(), source, counters,
                RelayCounter.BIND_OK);
    }

    /**
     * Charges a verified datagram, received at {@code nowNs}, to its peer's rate limit and, if
     * within it, records it as the peer's activity.
     */
    private boolean admitted(Peer peer, int length, RelayCounters counters, long nowNs) {
        if (!peer.rateLimit(writer).admit(length, nowNs, peerRates.get())) {
            counters.increment(writer, RelayCounter.DROP_RATE_LIMITED);
            return false;
        }
        peer.activity().record(writer, nowNs, length);
        return true;
    }

    /**
     * Sends the datagram to every bound member of {@code table} but the sender. Each member's
     * address is one acquire load: a binding another socket thread made is seen at once.
     */
    private void fanOut(ByteBuffer buffer, int length, Peer sender, PeerTable table, RelayCounters counters) {
        copies.start(buffer, length, counters);
        for (int i = 0, members = table.size(); i < members; i++) {
            Peer target = table.peer(i);
            InetSocketAddress address = target.address();
            if (target != sender && address != null) {
                copies.add(address);
            }
        }
    }

    /** Sends a whole answer datagram ({@code datagram} flipped) and counts it under {@code sent}. */
    private void reply(ByteBuffer datagram, InetSocketAddress target, RelayCounters counters, RelayCounter sent) {
        if (send(datagram, target, counters)) {
            counters.increment(writer, sent);
        }
    }

    /**
     * Sends {@code datagram}'s remaining bytes to {@code target}; false, counted in {@code
     * SEND_ERRORS}, when that failed or found no room: the datagram is dropped, never retried in a spin.
     */
    private boolean send(ByteBuffer datagram, InetSocketAddress target, RelayCounters counters) {
        if (CopySender.sendWhole(socket, datagram, target)) {
            return true;
        }
        counters.increment(writer, RelayCounter.SEND_ERRORS);
        return false;
    }
}
