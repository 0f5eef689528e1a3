package io.chanmux.cli;

import io.chanmux.protocol.client.ChanmuxClient;
import io.chanmux.protocol.client.PeerHandle;
import io.chanmux.protocol.wire.Datagram;

import java.io.IOException;
import java.net.DatagramPacket;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * This CLI's peer in a channel: joined and bound on construction, then one receiver virtual thread
 * owns the UDP socket. It hands each received DATA to a {@link PayloadListener} and recognizes the
 * PONG that ends a {@link #flush}. The client library's keepalive PINGs at a sixth of the peer
 * timeout the server's {@code hello} reported, so a quiet peer is not evicted, and binds again by
 * itself when the peer's address changes (a NAT rebinding); its PONGs and CHALLENGEs arrive
 * through this receiver.
 *
 * <p>Any thread may {@link #send} and {@link #flush}; {@link #leave} and {@link #close} belong to the
 * command's thread. Closing the UDP socket is how the receiver is stopped.
 */
final class ChannelMember implements AutoCloseable {
    /** How long BIND is retried before the CLI gives up on the data plane. */
    static final Duration BIND_TIMEOUT = Duration.ofSeconds(5);
    /** The largest payload one UDP datagram can carry after the header. */
    static final int MAX_PAYLOAD_BYTES = 65_507 - Datagram.HEADER_BYTES;
    /** The payload that fits the server's default {@code --max-datagram} of 1500 bytes. */
    static final int DEFAULT_SERVER_PAYLOAD_BYTES = 1500 - Datagram.HEADER_BYTES;

    private static final Duration FLUSH_RETRY = Duration.ofMillis(200);
    /** This body marks the flush PING. */
    private static final long FLUSH_BODY = -1;
    /** How long one receive waits before it looks again at whether the member is closing. */
    private static final Duration RECEIVE_WAIT = Duration.ofSeconds(1);

    private final PeerHandle peer;
    private final PayloadListener listener;
    private final SessionEnd end;
    private final Thread receiver;
    private volatile CompletableFuture<Void> flushed = new CompletableFuture<>();
    private volatile boolean closing;

    /** Receives forwarded DATA; called on the receiver thread, with a buffer reused afterwards. */
    @FunctionalInterface
    interface PayloadListener {
        /** A DATA datagram from {@code sender}; the payload is {@code length} bytes at {@code offset}. */
        void onData(int sender, byte[] buffer, int offset, int length);
    }

    private ChannelMember(PeerHandle peer, PayloadListener listener, SessionEnd end) {
        this.peer = peer;
        this.listener = listener;
        this.end = end;
        this.receiver = Thread.ofVirtual().name("chanmux-cli-receiver").start(this::receiveLoop);
    }

    /**
     * Joins {@code channel}, binds the UDP socket and starts receiving.
     *
     * @param listener gets every forwarded DATA; null to discard them
     * @param end      told when the UDP socket fails
     */
    static ChannelMember join(ChanmuxClient client, String channel, String key, PayloadListener listener,
                              SessionEnd end) throws IOException {
        PeerHandle peer = client.join(channel, key);
        try {
            peer.bind(BIND_TIMEOUT);
        } catch (SocketTimeoutException e) {
            peer.close();
            throw new IOException("joined, but no BIND_OK came back from UDP port " + peer.relayAddress().getPort()
                    + " within " + BIND_TIMEOUT.toSeconds() + " s; is UDP to the server blocked?", e);
        } catch (IOException | RuntimeException e) {
            peer.close();
            throw e;
        }
        return new ChannelMember(peer, listener, end);
    }

    /** This peer's id, unsigned. */
    long peerId() {
        return Datagram.unsignedPeer(peer.peer());
    }

    /** The channel's UDP port on the server. */
    int port() {
        return peer.relayAddress().getPort();
    }

    /** How often the keepalive PINGs: a sixth of the peer timeout the server reported. */
    Duration keepaliveInterval() {
        return peer.keepaliveInterval();
    }

    /** Sends one DATA datagram. */
    void send(byte[] payload) throws IOException {
        peer.send(payload);
    }

    /**
     * Waits until the server has handled every datagram sent before this call: the channel reads
     * its socket in order, so the PONG to a PING sent now comes after they were all forwarded.
     *
     * @return false when no PONG came within {@code timeout}
     */
    boolean flush(Duration timeout) throws IOException, InterruptedException {
        CompletableFuture<Void> pong = new CompletableFuture<>();
        flushed = pong;
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            peer.sendPing(FLUSH_BODY);
            long left = Math.min(FLUSH_RETRY.toNanos(), deadline - System.nanoTime());
            try {
                pong.get(Math.max(0, left), TimeUnit.NANOSECONDS);
                return true;
            } catch (TimeoutException e) {
                if (System.nanoTime() - deadline >= 0) {
                    return false;
                }
            } catch (ExecutionException e) {
                throw new IllegalStateException("the flush future is never exceptional", e);
            }
        }
    }

    /** Leaves the channel on the control connection and stops the receiver. */
    void leave() throws IOException {
        closing = true;
        try {
            peer.leave();
        } finally {
            close();
        }
    }

    /** Stops the receiver by closing the UDP socket; the peer stays a member until its session ends. */
    @Override
    public void close() throws IOException {
        closing = true;
        peer.close();
        try {
            receiver.join(Duration.ofSeconds(1));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void receiveLoop() {
        byte[] buffer = new byte[65_536];
        DatagramPacket packet = new DatagramPacket(buffer, buffer.length);
        try {
            while (true) {
                packet.setLength(buffer.length);
                if (peer.receive(packet, RECEIVE_WAIT)) {
                    onDatagram(buffer, packet.getLength());
                }
            }
        } catch (IOException e) {
            // Closing the socket is the normal way out; anything else means the channel is gone
            // (an ICMP port unreachable when the server stopped, for one).
            if (!closing) {
                end.complete(new SessionEnd.Outcome(ChanmuxCli.CONNECTION_FAILED, SessionEnd.Outcome.Step.NONE,
                        "error: the channel's UDP port " + port() + " failed: " + ChanmuxCli.describe(e)));
            }
        }
    }

    private void onDatagram(byte[] buffer, int length) {
        if (length < Datagram.HEADER_BYTES) {
            return;
        }
        ByteBuffer datagram = ByteBuffer.wrap(buffer, 0, length);
        switch (Datagram.type(datagram)) {
            case Datagram.DATA -> {
                if (listener != null) {
                    listener.onData(Datagram.peer(datagram), buffer, Datagram.HEADER_BYTES,
                            length - Datagram.HEADER_BYTES);
                }
            }
            case Datagram.PONG -> {
                if (length == Datagram.PING_BYTES && datagram.getLong(Datagram.HEADER_BYTES) == FLUSH_BODY) {
                    flushed.complete(null);
                }
            }
            default -> {
                // A late BIND_OK or CHALLENGE answering a retried BIND: bind() is done, nothing to do.
            }
        }
    }
}
