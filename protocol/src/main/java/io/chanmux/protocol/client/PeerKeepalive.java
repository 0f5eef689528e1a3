package io.chanmux.protocol.client;

import io.chanmux.protocol.wire.Datagram;

import java.io.IOException;
import java.net.DatagramPacket;
import java.net.InetSocketAddress;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.time.Duration;
import java.util.concurrent.ThreadLocalRandom;

/**
 * One peer's binding, kept alive. It BINDs until BIND_OK comes back (answering each CHALLENGE with
 * a CONFIRM, protocol 2), then sends a PING every interval. When no PONG has come back for two
 * intervals and half (a lapse: the last two PINGs went unanswered, the second given half an
 * interval to come back), or when told that the server heard the peer from a new address ({@link
 * #hint}, the {@code rebind} event), it BINDs again from whatever socket it is given: the server
 * challenges the new address and moves the binding there once the CONFIRM arrives. So a NAT
 * rebinding, which changes the peer's public port without the client knowing, heals by itself.
 *
 * <p>Under loss it backs off rather than add to it: BINDs after a lapse are resent a quarter
 * interval apart at first, doubling up to the interval, and the first PING after a binding comes
 * at a random point of the second half of the interval, so peers bound together (many on one
 * socket, or after a server restart) do not PING in step.
 *
 * <p>It owns no socket and no thread, so one socket and one pair of threads can carry many peers
 * (the load test's shared sockets), and {@link PeerHandle} drives one for each handle.
 *
 * <p>Threading: {@link #tick} from any thread, one at a time (it is synchronized); {@link
 * #onReceived} from the thread that reads the socket; {@link #hint} and the getters from any
 * thread. Sends go through the buffers the callers pass in: nothing is allocated per datagram.
 */
public final class PeerKeepalive {
    /** The first BIND retry when joining; retries back off, doubling up to the keepalive interval. */
    public static final Duration FIRST_BIND_RETRY = Duration.ofMillis(100);
    /** PINGs that go unanswered in a row before it is a lapse. */
    public static final int LAPSE_INTERVALS = 2;
    /** Bytes a scratch buffer passed to {@link #tick} or {@link #onReceived} must hold. */
    public static final int SCRATCH_BYTES = Datagram.CONFIRM_BYTES;

    private static final int BINDING = 0;
    private static final int BOUND = 1;

    private final int peer;
    private final byte[] token;
    private final InetSocketAddress relay;
    private final long intervalNs;
    /** Our PINGs' body, so our PONGs are told apart from the application's. */
    private final long pingBody = ThreadLocalRandom.current().nextLong();
    private volatile int state = BINDING;
    private volatile long lastHeardNs;
    private volatile boolean hinted;
    private volatile long rebinds;
    private volatile long pings;
    // The ticking thread's, under this object's monitor:
    private long nextPingNs;
    private boolean pingScheduled;
    private long nextBindNs;
    private long bindRetryNs = FIRST_BIND_RETRY.toNanos();

    /**
     * A keepalive that starts by binding.
     *
     * @param relay    the channel's UDP address, where every datagram goes
     * @param interval between PINGs once bound
     * @param nowNs    {@link System#nanoTime()} now
     */
    public PeerKeepalive(int peer, byte[] token, InetSocketAddress relay, Duration interval, long nowNs) {
        if (token.length != Datagram.TOKEN_BYTES) {
            throw new IllegalArgumentException("token must be " + Datagram.TOKEN_BYTES + " bytes");
        }
        this.peer = peer;
        this.token = token.clone();
        this.relay = relay;
        this.intervalNs = interval.toNanos();
        this.lastHeardNs = nowNs;
        this.nextBindNs = nowNs;
    }

    /**
     * The keepalive interval for a server whose {@code hello} reported {@code peerTimeout}: a sixth
     * of it (so 5 s for the default 30 s), from 50 ms to 10 s; 5 s when the server did not say.
     */
    public static Duration intervalFor(Duration peerTimeout) {
        if (peerTimeout == null) {
            return Duration.ofSeconds(5);
        }
        return Duration.ofMillis(Math.clamp(peerTimeout.toMillis() / 6, 50, 10_000));
    }

    /** The peer id. */
    public int peer() {
        return peer;
    }

    /** Whether the last BIND was answered and no lapse or hint has come since. */
    public boolean isBound() {
        return state == BOUND;
    }

    /** How many times the peer bound again after a lapse or a hint. */
    public long rebinds() {
        return rebinds;
    }

    /** How many keepalive PINGs it has sent. */
    public long pings() {
        return pings;
    }

    /** Asks for a BIND at the next {@link #tick}: the server saw the peer at a new address. Any thread. */
    public void hint() {
        hinted = true;
    }

    /**
     * Sends what is due on {@code udp} (a BIND while binding, a PING once bound) and returns when
     * to tick next, in {@link System#nanoTime()} nanoseconds.
     *
     * @param scratch at least {@link #SCRATCH_BYTES}, used only while this call runs
     */
    public synchronized long tick(long nowNs, DatagramChannel udp, ByteBuffer scratch) throws IOException {
        if (state == BOUND) {
            long lapseNs = lastHeardNs + LAPSE_INTERVALS * intervalNs + intervalNs / 2;
            if (!hinted && nowNs - lapseNs <= 0) {
                if (!pingScheduled) {
                    nextPingNs = lastHeardNs + intervalNs / 2 + ThreadLocalRandom.current().nextLong(intervalNs / 2 + 1);
                    pingScheduled = true;
                }
                if (nowNs - nextPingNs >= 0) {
                    udp.send(Datagram.encodePing(scratch, peer, pingBody), relay);
                    nextPingNs = nowNs + intervalNs;
                    pings++;
                }
                return nextPingNs - lapseNs < 0 ? nextPingNs : lapseNs + 1;
            }
            // A lapse or a hint: bind again, at once, from the socket we have now.
            state = BINDING;
            rebinds++;
            pingScheduled = false;
            nextBindNs = nowNs;
            bindRetryNs = Math.max(FIRST_BIND_RETRY.toNanos(), intervalNs / 4);
        }
        hinted = false;
        if (nowNs - nextBindNs >= 0) {
            udp.send(Datagram.encodeBind(scratch, peer, token), relay);
            nextBindNs = nowNs + bindRetryNs;
            bindRetryNs = Math.min(2 * bindRetryNs, Math.max(FIRST_BIND_RETRY.toNanos(), intervalNs));
        }
        return nextBindNs;
    }

    /**
     * Binds on {@code udp}, a blocking socket that nothing else reads yet: ticks and receives until
     * BIND_OK arrives; anything else that arrives meanwhile is discarded. Then {@link #tick} and
     * {@link #onReceived} keep the binding, from whatever threads the caller has.
     *
     * @throws SocketTimeoutException when no BIND_OK arrives within {@code timeout}
     */
    public void bind(DatagramChannel udp, Duration timeout) throws IOException {
        long deadline = System.nanoTime() + timeout.toNanos();
        ByteBuffer scratch = ByteBuffer.allocate(SCRATCH_BYTES);
        byte[] received = new byte[64];
        DatagramPacket packet = new DatagramPacket(received, received.length);
        while (!isBound()) {
            long now = System.nanoTime();
            if (now - deadline >= 0) {
                throw new SocketTimeoutException("no BIND_OK for peer " + Integer.toUnsignedString(peer) + " within "
                        + timeout);
            }
            long waitNs = Math.min(tick(now, udp, scratch), deadline) - now;
            udp.socket().setSoTimeout((int) Math.max(1, waitNs / 1_000_000));
            packet.setLength(received.length);
            try {
                udp.socket().receive(packet);
            } catch (SocketTimeoutException e) {
                continue;
            }
            onReceived(ByteBuffer.wrap(received, 0, packet.getLength()), System.nanoTime(), udp, scratch);
        }
    }

    /**
     * Handles a datagram that arrived on the peer's socket (index 0 to its limit): a PONG proves
     * the binding, a CHALLENGE is answered with a CONFIRM while binding, a BIND_OK ends the binding.
     *
     * @param scratch at least {@link #SCRATCH_BYTES}, used only while this call runs
     * @return true when the datagram was this keepalive's own business (our PONG, a CHALLENGE, a
     *         BIND_OK for this peer) and the application need not see it
     */
    public boolean onReceived(ByteBuffer datagram, long nowNs, DatagramChannel udp, ByteBuffer scratch)
            throws IOException {
        int length = datagram.limit();
        if (length < Datagram.HEADER_BYTES || Datagram.peer(datagram) != peer) {
            return false;
        }
        switch (Datagram.type(datagram)) {
            case Datagram.PONG -> {
                if (length != Datagram.PING_BYTES) {
                    return false;
                }
                lastHeardNs = nowNs;
                return datagram.getLong(Datagram.HEADER_BYTES) == pingBody;
            }
            case Datagram.BIND_OK -> {
                if (length != Datagram.HEADER_BYTES) {
                    return false;
                }
                lastHeardNs = nowNs;
                state = BOUND;
                return true;
            }
            case Datagram.CHALLENGE -> {
                if (!Datagram.isChallengeFor(datagram, length, peer)) {
                    return false;
                }
                if (state == BINDING) {
                    udp.send(Datagram.encodeConfirm(scratch, peer, token, datagram), relay);
                }
                return true;
            }
            default -> {
                return false;
            }
        }
    }
}
