package io.chanmux.protocol.client;

import io.chanmux.protocol.wire.Datagram;

import java.io.IOException;
import java.net.DatagramPacket;
import java.net.InetSocketAddress;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.time.Duration;
import java.util.concurrent.locks.LockSupport;

/**
 * One joined peer of a channel: owns the peer's UDP socket (connected to the channel's port),
 * binds it with the join token, sends DATA and PING, and receives what the relay forwards.
 *
 * <p>Binding follows protocol 2: the server answers a BIND from a new address with a CHALLENGE,
 * and {@link #bind} echoes its cookie in a CONFIRM before the binding takes effect. Once bound,
 * the handle keeps the binding alive by itself ({@link PeerKeepalive}): a virtual thread sends a
 * PING every {@link #keepaliveInterval} (derived from the peer timeout the server's {@code hello}
 * reported), and when PONGs stop coming back, or the server's {@code rebind} event says it heard
 * this peer from a new address, it BINDs again from the socket it has now. A NAT rebinding thus
 * heals without the application noticing: DATA sent in between is lost, nothing else changes.
 *
 * <p>Threading: sending is thread-safe. Receiving ({@link #receive}, {@link #bind}, {@link #ping})
 * belongs to one thread at a time, and the keepalive's PONGs and CHALLENGEs arrive through it, so
 * an application keeps receiving for re-binding to work (its own PONGs it still sees; the
 * keepalive's, CHALLENGEs and BIND_OKs it does not). {@code bind} and {@code ping} discard
 * anything else that arrives meanwhile, so call them before data starts to flow.
 */
public final class PeerHandle implements AutoCloseable {
    private final ChanmuxClient client;
    private final Membership membership;
    private final Duration keepaliveInterval;
    private final PeerKeepalive keepalive;
    private final ByteBuffer sendBuffer = ByteBuffer.allocateDirect(65_536);
    /** The keepalive's sends from {@link #tick}; guarded by the keepalive's monitor. */
    private final ByteBuffer tickBuffer = ByteBuffer.allocate(PeerKeepalive.SCRATCH_BYTES);
    /** The receiving thread's CONFIRMs. */
    private final ByteBuffer receiveBuffer = ByteBuffer.allocate(PeerKeepalive.SCRATCH_BYTES);
    private final byte[] controlReceive = new byte[64];
    private volatile DatagramChannel udp;
    private volatile Thread ticker;
    private volatile boolean closed;
    /** Set when the handle closes or its control connection ends: the server has dropped the peer then. */
    private volatile boolean keepaliveStopped;

    private PeerHandle(ChanmuxClient client, Membership membership, Duration keepaliveInterval, DatagramChannel udp) {
        this.client = client;
        this.membership = membership;
        this.keepaliveInterval = keepaliveInterval;
        this.keepalive = new PeerKeepalive(membership.peer(), membership.token(), membership.relay(),
                keepaliveInterval, System.nanoTime());
        this.udp = udp;
    }

    static PeerHandle open(ChanmuxClient client, Membership membership, Duration keepaliveInterval)
            throws IOException {
        return new PeerHandle(client, membership, keepaliveInterval, connectedSocket(membership.relay()));
    }

    /** The channel id. */
    public String channel() {
        return membership.channel();
    }

    /** This peer's id, as carried in the datagram header. */
    public int peer() {
        return membership.peer();
    }

    /** A copy of the 16-byte bind token. */
    public byte[] token() {
        return membership.token().clone();
    }

    /** The channel's UDP address on the server. */
    public InetSocketAddress relayAddress() {
        return membership.relay();
    }

    /** The local address of this peer's UDP socket (what the server binds). */
    public InetSocketAddress localAddress() throws IOException {
        return (InetSocketAddress) udp.getLocalAddress();
    }

    /** The underlying UDP socket, for callers that manage their own buffers and threads. */
    public DatagramChannel datagramChannel() {
        return udp;
    }

    /** How often the keepalive PINGs once bound. */
    public Duration keepaliveInterval() {
        return keepaliveInterval;
    }

    /** How many times the keepalive bound this peer again after a lapse or a {@code rebind} hint. */
    public long rebinds() {
        return keepalive.rebinds();
    }

    /**
     * Binds this socket to the peer: sends BIND, answers a CHALLENGE with a CONFIRM (the server
     * challenges any address the peer is not yet bound to), and returns when BIND_OK arrives; then
     * the keepalive runs until {@link #close}. BIND is resent, 100 ms apart at first, since UDP may
     * lose any of them. Returns at once when the peer is already bound.
     *
     * @throws SocketTimeoutException when no BIND_OK arrives within {@code timeout}
     */
    public void bind(Duration timeout) throws IOException {
        keepalive.bind(udp, timeout);
        startKeepalive();
    }

    /**
     * Asks the keepalive to BIND again now, from the current socket: what the {@code rebind} event
     * does, and what an application that knows its network changed may do. Any thread.
     */
    public void rebind() {
        keepalive.hint();
        Thread keeper = ticker;
        if (keeper != null) {
            LockSupport.unpark(keeper);
        }
    }

    /**
     * Moves this peer to a new UDP socket on a new local port, as a NAT rebinding or a change of
     * network does from the server's point of view, and closes the old one. It does not re-bind:
     * the keepalive notices (the server's {@code rebind} hint, or PONGs that stop) and re-binds,
     * exactly as after a rebinding the application never saw. A receive blocked on the old socket
     * carries on on the new one. Call {@link #rebind} afterwards to heal at once.
     */
    public void moveToNewSocket() throws IOException {
        DatagramChannel old = udp;
        udp = connectedSocket(membership.relay());
        old.close();
    }

    /** Sends a DATA datagram carrying {@code payload} (from its position to its limit). */
    public void send(ByteBuffer payload) throws IOException {
        synchronized (sendBuffer) {
            udp.write(Datagram.encodeData(sendBuffer, peer(), payload));
        }
    }

    /** Sends a DATA datagram carrying {@code payload}. */
    public void send(byte[] payload) throws IOException {
        send(ByteBuffer.wrap(payload));
    }

    /** Sends a PING with the given body; the PONG arrives through {@link #receive}. */
    public void sendPing(long body) throws IOException {
        synchronized (sendBuffer) {
            udp.write(Datagram.encodePing(sendBuffer, peer(), body));
        }
    }

    /**
     * Sends a PING and waits for its PONG; other datagrams that arrive meanwhile are discarded.
     *
     * @return the round-trip time
     * @throws SocketTimeoutException when no PONG arrives within {@code timeout}
     */
    public Duration ping(Duration timeout) throws IOException {
        long body = System.nanoTime();
        sendPing(body);
        long deadline = body + timeout.toNanos();
        DatagramPacket packet = new DatagramPacket(controlReceive, controlReceive.length);
        while (true) {
            long left = deadline - System.nanoTime();
            if (left <= 0 || !receive(packet, Duration.ofNanos(left))) {
                throw new SocketTimeoutException("no PONG within " + timeout);
            }
            ByteBuffer reply = ByteBuffer.wrap(packet.getData(), 0, packet.getLength());
            if (packet.getLength() == Datagram.PING_BYTES && Datagram.type(reply) == Datagram.PONG
                    && Datagram.peer(reply) == peer() && reply.getLong(Datagram.HEADER_BYTES) == body) {
                return Duration.ofNanos(System.nanoTime() - body);
            }
        }
    }

    /**
     * Receives the next datagram from the relay into {@code packet} (the whole datagram, header
     * included), waiting at most {@code timeout}. The keepalive's own datagrams are handled here
     * and not returned.
     *
     * @return false when nothing arrived in time
     */
    public boolean receive(DatagramPacket packet, Duration timeout) throws IOException {
        long deadline = System.nanoTime() + timeout.toNanos();
        int capacity = packet.getData().length - packet.getOffset();
        while (true) {
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                return false;
            }
            DatagramChannel socket = udp;
            packet.setLength(capacity);
            try {
                socket.socket().setSoTimeout((int) Math.max(1, left / 1_000_000));
                socket.socket().receive(packet);
            } catch (SocketTimeoutException e) {
                return false;
            } catch (IOException e) {
                if (!closed && socket != udp) {
                    continue; // moved to a new socket while waiting on the old one
                }
                throw e;
            }
            ByteBuffer datagram = ByteBuffer.wrap(packet.getData(), packet.getOffset(), packet.getLength()).slice();
            if (!keepalive.onReceived(datagram, System.nanoTime(), socket, receiveBuffer)) {
                return true;
            }
        }
    }

    /** Leaves the channel on the control connection and closes the UDP socket. */
    public void leave() throws IOException {
        try {
            client.leave(channel());
        } finally {
            close();
        }
    }

    /** Closes the UDP socket and stops the keepalive. The peer stays a member until it leaves, its session closes, or it times out. */
    @Override
    public void close() throws IOException {
        closed = true;
        client.forget(this);
        stopKeepalive();
        udp.close();
    }

    /**
     * Stops the keepalive thread: the control connection ended (the server no longer knows this
     * peer), or the caller keeps the binding alive itself (a client that moves sockets on its own,
     * a test that counts every datagram).
     */
    public void stopKeepalive() {
        keepaliveStopped = true;
        Thread keeper = ticker;
        if (keeper != null) {
            LockSupport.unpark(keeper);
        }
    }

    private synchronized void startKeepalive() {
        if (ticker == null && !keepaliveStopped) {
            ticker = Thread.ofVirtual().name("peer-keepalive-" + Integer.toUnsignedString(peer()))
                    .start(this::runKeepalive);
        }
    }

    /** The keepalive thread: ticks when the keepalive asks, or at once on a hint, until stopped. */
    private void runKeepalive() {
        // Once the control session is gone the server has dropped this peer: nothing to keep alive.
        while (!keepaliveStopped && client.isOpen()) {
            long now = System.nanoTime();
            long next;
            try {
                next = keepalive.tick(now, udp, tickBuffer);
            } catch (IOException e) {
                // Closed (we are stopping), moved to a new socket, or an ICMP error: try again soon.
                next = now + PeerKeepalive.FIRST_BIND_RETRY.toNanos();
            }
            LockSupport.parkNanos(next - now);
        }
    }

    private static DatagramChannel connectedSocket(InetSocketAddress relay) throws IOException {
        DatagramChannel socket = DatagramChannel.open();
        try {
            socket.connect(relay);
            return socket;
        } catch (IOException | RuntimeException e) {
            socket.close();
            throw e;
        }
    }
}
