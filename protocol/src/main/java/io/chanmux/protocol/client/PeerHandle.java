package io.chanmux.protocol.client;

import io.chanmux.protocol.wire.Datagram;

import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetSocketAddress;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.time.Duration;

/**
 * One joined peer of a channel: owns the peer's UDP socket (connected to the channel's port),
 * binds it with the join token, sends DATA and PING, and receives what the relay forwards.
 *
 * <p>Binding follows protocol 2: the server answers a BIND from a new address with a CHALLENGE,
 * and {@link #bind} echoes its cookie in a CONFIRM before the binding takes effect.
 *
 * <p>Sending is thread-safe. Receiving ({@link #receive}, {@link #bind}, {@link #ping}) belongs to
 * one thread at a time: {@code bind} and {@code ping} read the socket until their answer comes and
 * discard anything else that arrives meanwhile, so call them before data starts to flow.
 */
public final class PeerHandle implements AutoCloseable {
    private static final Duration BIND_RETRY = Duration.ofMillis(100);

    private final ChanmuxClient client;
    private final String channel;
    private final int peer;
    private final byte[] token;
    private final InetSocketAddress relay;
    private final DatagramChannel udp;
    private final DatagramSocket timedReceiver;
    private final ByteBuffer sendBuffer = ByteBuffer.allocateDirect(65_536);
    private final byte[] controlReceive = new byte[64];

    private PeerHandle(ChanmuxClient client, String channel, int peer, byte[] token, InetSocketAddress relay,
                       DatagramChannel udp) {
        this.client = client;
        this.channel = channel;
        this.peer = peer;
        this.token = token.clone();
        this.relay = relay;
        this.udp = udp;
        this.timedReceiver = udp.socket();
    }

    static PeerHandle open(ChanmuxClient client, String channel, int peer, byte[] token, InetSocketAddress relay)
            throws IOException {
        DatagramChannel udp = DatagramChannel.open();
        try {
            udp.connect(relay);
            return new PeerHandle(client, channel, peer, token, relay, udp);
        } catch (IOException | RuntimeException e) {
            udp.close();
            throw e;
        }
    }

    /** The channel id. */
    public String channel() {
        return channel;
    }

    /** This peer's id, as carried in the datagram header. */
    public int peer() {
        return peer;
    }

    /** A copy of the 16-byte bind token. */
    public byte[] token() {
        return token.clone();
    }

    /** The channel's UDP address on the server. */
    public InetSocketAddress relayAddress() {
        return relay;
    }

    /** The local address of this peer's UDP socket (what the server binds). */
    public InetSocketAddress localAddress() throws IOException {
        return (InetSocketAddress) udp.getLocalAddress();
    }

    /** The underlying UDP socket, for callers that manage their own buffers and threads. */
    public DatagramChannel datagramChannel() {
        return udp;
    }

    /**
     * Binds this socket to the peer: sends BIND, answers a CHALLENGE with a CONFIRM (the server
     * challenges any address the peer is not yet bound to), and returns when BIND_OK arrives.
     * BIND is resent every 100 ms while no answer comes, since UDP may lose any of them.
     *
     * @throws SocketTimeoutException when no BIND_OK arrives within {@code timeout}
     */
    public void bind(Duration timeout) throws IOException {
        long deadline = System.nanoTime() + timeout.toNanos();
        ByteBuffer bind = Datagram.encodeBind(ByteBuffer.allocate(Datagram.BIND_BYTES), peer, token);
        ByteBuffer confirm = ByteBuffer.allocate(Datagram.CONFIRM_BYTES);
        while (true) {
            udp.write(bind.rewind());
            long waitUntil = Math.min(deadline, System.nanoTime() + BIND_RETRY.toNanos());
            for (ByteBuffer reply; (reply = awaitControlReply(waitUntil)) != null; ) {
                if (reply.limit() == Datagram.HEADER_BYTES && Datagram.type(reply) == Datagram.BIND_OK) {
                    return;
                }
                if (Datagram.isChallengeFor(reply, reply.limit(), peer)) {
                    udp.write(Datagram.encodeConfirm(confirm, peer, token, reply));
                }
            }
            if (System.nanoTime() - deadline >= 0) {
                throw new SocketTimeoutException("no BIND_OK for peer " + Integer.toUnsignedString(peer) + " within " + timeout);
            }
        }
    }

    /** Sends a DATA datagram carrying {@code payload} (from its position to its limit). */
    public void send(ByteBuffer payload) throws IOException {
        synchronized (sendBuffer) {
            udp.write(Datagram.encodeData(sendBuffer, peer, payload));
        }
    }

    /** Sends a DATA datagram carrying {@code payload}. */
    public void send(byte[] payload) throws IOException {
        send(ByteBuffer.wrap(payload));
    }

    /** Sends a PING with the given body; the PONG arrives through {@link #receive}. */
    public void sendPing(long body) throws IOException {
        synchronized (sendBuffer) {
            udp.write(Datagram.encodePing(sendBuffer, peer, body));
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
        for (ByteBuffer reply; (reply = awaitControlReply(deadline)) != null; ) {
            if (reply.limit() == Datagram.PING_BYTES && Datagram.type(reply) == Datagram.PONG
                    && reply.getLong(Datagram.HEADER_BYTES) == body) {
                return Duration.ofNanos(System.nanoTime() - body);
            }
        }
        throw new SocketTimeoutException("no PONG within " + timeout);
    }

    /**
     * Receives the next datagram from the relay into {@code packet} (the whole datagram, header
     * included), waiting at most {@code timeout}.
     *
     * @return false when nothing arrived in time
     */
    public boolean receive(DatagramPacket packet, Duration timeout) throws IOException {
        timedReceiver.setSoTimeout((int) Math.max(1, timeout.toMillis()));
        try {
            timedReceiver.receive(packet);
            return true;
        } catch (SocketTimeoutException e) {
            return false;
        }
    }

    /** Leaves the channel on the control connection and closes the UDP socket. */
    public void leave() throws IOException {
        try {
            client.leave(channel);
        } finally {
            close();
        }
    }

    /** Closes the UDP socket. The peer stays a member until it leaves, its session closes, or it times out. */
    @Override
    public void close() throws IOException {
        udp.close();
    }

    /**
     * Reads datagrams until one addressed to this peer (header only checked) arrives, and returns
     * it wrapped from index 0 to its length; null at {@code deadlineNanos}. Anything else is discarded.
     */
    private ByteBuffer awaitControlReply(long deadlineNanos) throws IOException {
        DatagramPacket packet = new DatagramPacket(controlReceive, controlReceive.length);
        while (true) {
            long left = deadlineNanos - System.nanoTime();
            if (left <= 0 || !receive(packet, Duration.ofNanos(left))) {
                return null;
            }
            ByteBuffer datagram = ByteBuffer.wrap(packet.getData(), 0, packet.getLength());
            if (packet.getLength() >= Datagram.HEADER_BYTES && Datagram.type(datagram) != Datagram.DATA
                    && Datagram.peer(datagram) == peer) {
                return datagram;
            }
        }
    }
}
