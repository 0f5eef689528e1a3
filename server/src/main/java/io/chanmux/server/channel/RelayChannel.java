package io.chanmux.server.channel;

import io.chanmux.protocol.wire.Datagram;
import io.chanmux.server.base.NanoClock;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.DatagramChannel;

/**
 * One channel's UDP port and the virtual thread that serves it: blocking receive, validate, then
 * fan-out of the unchanged datagram to every other bound peer.
 *
 * <p>Threading: {@link #run} is the channel thread, the only reader of the socket and the writer
 * of every counter except BIND_OK. The owning pool's thread calls {@link #publish}, {@link
 * #sendBindOk} and {@link #close}. Other threads only read ({@link #peers}, {@link #counters}).
 * The receive path takes no lock and allocates nothing of its own per datagram; it stops when the
 * socket is closed, which is the normal way out.
 */
public final class RelayChannel {
    private final String id;
    private final int port;
    private final DatagramChannel socket;
    private final int maxDatagramBytes;
    private final BindRequests bindRequests;
    private final NanoClock clock;
    private final RelayCounters counters = new RelayCounters();
    private final ByteBuffer bindOkBuffer = ByteBuffer.allocateDirect(Datagram.HEADER_BYTES);
    private volatile PeerTable peers = PeerTable.EMPTY;

    public RelayChannel(String id, DatagramChannel socket, int port, int maxDatagramBytes,
                        BindRequests bindRequests, NanoClock clock) {
        this.id = id;
        this.socket = socket;
        this.port = port;
        this.maxDatagramBytes = maxDatagramBytes;
        this.bindRequests = bindRequests;
        this.clock = clock;
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

    /** Sends BIND_OK for {@code peer} to {@code address}. Pool thread only, after publishing the binding. */
    public void sendBindOk(int peer, InetSocketAddress address) {
        try {
            socket.send(Datagram.putHeader(bindOkBuffer, Datagram.BIND_OK, peer).flip(), address);
            counters.increment(RelayCounter.BIND_OK);
        } catch (IOException e) {
            // The channel is closing or the address refuses; the client retries its BIND.
        }
    }

    /** Closes the socket, which ends {@link #run}. Idempotent. */
    public void close() throws IOException {
        socket.close();
    }

    /** The channel thread: receives until the socket is closed. */
    public void run() {
        ByteBuffer buffer = ByteBuffer.allocateDirect(maxDatagramBytes + 1);
        while (true) {
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

    /** Validates one received datagram held in {@code buffer[0, length)} and acts on it. */
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
        if (type != Datagram.DATA && type != Datagram.BIND && type != Datagram.PING) {
            counters.increment(RelayCounter.DROP_UNKNOWN_TYPE);
            return;
        }
        PeerTable table = peers;
        int sender = table.indexOf(Datagram.peer(buffer));
        if (sender < 0) {
            counters.increment(RelayCounter.DROP_UNKNOWN_PEER);
            return;
        }
        Peer peer = table.peer(sender);
        if (type == Datagram.BIND) {
            onBind(buffer, length, source, peer);
            return;
        }
        InetSocketAddress bound = table.address(sender);
        if (bound == null) {
            counters.increment(RelayCounter.DROP_NOT_BOUND);
        } else if (!bound.equals(source)) {
            counters.increment(RelayCounter.DROP_WRONG_SOURCE);
        } else if (type == Datagram.PING && length != Datagram.PING_BYTES) {
            counters.increment(RelayCounter.DROP_BAD_LENGTH);
        } else if (admitted(peer, length)) {
            if (type == Datagram.DATA) {
                fanOut(buffer, length, table, sender);
            } else {
                buffer.put(0, Datagram.PONG);
                if (send(buffer, length, bound)) {
                    counters.increment(RelayCounter.PONGS);
                }
            }
        }
    }

    private void onBind(ByteBuffer buffer, int length, InetSocketAddress source, Peer peer) {
        if (length != Datagram.BIND_BYTES) {
            counters.increment(RelayCounter.DROP_BAD_LENGTH);
        } else if (!Datagram.tokenMatches(buffer, Datagram.HEADER_BYTES, peer.token())) {
            counters.increment(RelayCounter.DROP_BAD_TOKEN);
        } else if (admitted(peer, length) && !bindRequests.requestBind(this, peer.id(), source)) {
            counters.increment(RelayCounter.DROP_BUSY);
        }
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

    private void fanOut(ByteBuffer buffer, int length, PeerTable table, int sender) {
        int copies = 0;
        for (int i = 0, n = table.size(); i < n; i++) {
            InetSocketAddress target = table.address(i);
            if (i != sender && target != null && send(buffer, length, target)) {
                copies++;
            }
        }
        counters.add(RelayCounter.FORWARDED, copies);
        counters.add(RelayCounter.BYTES_FORWARDED, (long) copies * length);
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
