package io.chanmux.server;

import io.chanmux.protocol.client.PeerHandle;
import io.chanmux.protocol.wire.Datagram;

import java.io.IOException;
import java.net.DatagramPacket;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.Arrays;

/** A bound peer for tests: sends DATA and reads forwarded datagrams back as whole byte arrays. */
public final class TestPeer implements AutoCloseable {
    /**
     * How long {@link #nothingPending} looks. On loopback a forwarded copy is in the receiver's
     * socket buffer before the relay's sendto returns, so once a later datagram has been seen
     * elsewhere, anything meant for this peer is already here: the short poll only reads it.
     */
    private static final Duration POLL = Duration.ofMillis(1);

    private final PeerHandle handle;
    private final DatagramPacket packet = new DatagramPacket(new byte[2048], 2048);

    TestPeer(PeerHandle handle) {
        this.handle = handle;
    }

    public PeerHandle handle() {
        return handle;
    }

    public int id() {
        return handle.peer();
    }

    public void send(String payload) throws IOException {
        handle.send(payload.getBytes());
    }

    /** The next datagram, whole (header included), or null after {@code timeout}. */
    public byte[] receive(Duration timeout) throws IOException {
        if (!handle.receive(packet, timeout)) {
            return null;
        }
        return Arrays.copyOf(packet.getData(), packet.getLength());
    }

    /** The payload of the next DATA datagram; fails if none arrives within 5 s. */
    public String receivePayload() throws IOException {
        byte[] datagram = receive(Duration.ofSeconds(5));
        if (datagram == null) {
            throw new AssertionError("peer " + id() + " received nothing within 5 s");
        }
        if (datagram[0] != Datagram.DATA) {
            throw new AssertionError("peer " + id() + " expected DATA, got type " + datagram[0]);
        }
        return new String(datagram, Datagram.HEADER_BYTES, datagram.length - Datagram.HEADER_BYTES);
    }

    /** The sender peer id in a forwarded datagram's header. */
    public static int senderOf(byte[] datagram) {
        return ByteBuffer.wrap(datagram).getInt(1);
    }

    /** True if no datagram is waiting in this peer's socket. */
    public boolean nothingPending() throws IOException {
        return receive(POLL) == null;
    }

    @Override
    public void close() throws IOException {
        handle.close();
    }
}
