package io.chanmux.protocol.wire;

import java.nio.ByteBuffer;

/**
 * The chanmux datagram format: constants plus allocation-free encode and decode helpers that work
 * on absolute positions of a {@link ByteBuffer}, so the server's hot path can use them on a reused
 * buffer without copying.
 *
 * <pre>
 *  0               1               2               3               4
 *  0 1 2 3 4 5 6 7 0 1 2 3 4 5 6 7 0 1 2 3 4 5 6 7 0 1 2 3 4 5 6 7 0 1 2 3 4 5 6 7
 * +---------------+---------------------------------------------------------------+
 * |     type      |                  peer id (u32, big-endian)                    |
 * +---------------+---------------------------------------------------------------+
 * |  body: BIND = 16-byte token, DATA = payload, PING/PONG = 8 opaque bytes ...    |
 * +-------------------------------------------------------------------------------+
 * </pre>
 *
 * <p>Client to server: {@link #BIND}, {@link #DATA}, {@link #PING}. Server to client:
 * {@link #BIND_OK} (header only), {@link #PONG} (the PING's body), and DATA forwarded unchanged.
 * Stateless: every method is safe from any thread.
 */
public final class Datagram {
    /** Bytes in the header: type (1) + peer id (4). */
    public static final int HEADER_BYTES = 5;
    /** Bytes in a BIND token. */
    public static final int TOKEN_BYTES = 16;
    /** Bytes in a PING or PONG body. */
    public static final int PING_BODY_BYTES = 8;
    /** Total length of a BIND datagram. */
    public static final int BIND_BYTES = HEADER_BYTES + TOKEN_BYTES;
    /** Total length of a PING or PONG datagram. */
    public static final int PING_BYTES = HEADER_BYTES + PING_BODY_BYTES;

    /** Binds the datagram's source address to the peer; body is the join token. */
    public static final byte BIND = 0x01;
    /** Payload to forward to every other bound peer of the channel. */
    public static final byte DATA = 0x02;
    /** Liveness probe; answered with {@link #PONG}. */
    public static final byte PING = 0x03;
    /** Answer to a valid BIND, sent after the binding is in effect. */
    public static final byte BIND_OK = (byte) 0x81;
    /** Answer to a PING from the bound address, echoing its body. */
    public static final byte PONG = (byte) 0x83;

    private Datagram() {
    }

    /** Reads the type byte of the datagram that starts at index 0. */
    public static byte type(ByteBuffer datagram) {
        return datagram.get(0);
    }

    /** Reads the peer id of the datagram that starts at index 0, as an unsigned value in an int. */
    public static int peer(ByteBuffer datagram) {
        return datagram.getInt(1);
    }

    /** Writes a header at index 0 and leaves the position just after it. */
    public static ByteBuffer putHeader(ByteBuffer buffer, byte type, int peer) {
        buffer.clear();
        buffer.put(type).putInt(peer);
        return buffer;
    }

    /** Writes a whole BIND datagram into {@code buffer} and flips it for sending. */
    public static ByteBuffer encodeBind(ByteBuffer buffer, int peer, byte[] token) {
        if (token.length != TOKEN_BYTES) {
            throw new IllegalArgumentException("token must be " + TOKEN_BYTES + " bytes, was " + token.length);
        }
        return putHeader(buffer, BIND, peer).put(token).flip();
    }

    /** Writes a whole DATA datagram with {@code payload} into {@code buffer} and flips it. */
    public static ByteBuffer encodeData(ByteBuffer buffer, int peer, ByteBuffer payload) {
        return putHeader(buffer, DATA, peer).put(payload).flip();
    }

    /** Writes a whole PING datagram carrying {@code body} into {@code buffer} and flips it. */
    public static ByteBuffer encodePing(ByteBuffer buffer, int peer, long body) {
        return putHeader(buffer, PING, peer).putLong(body).flip();
    }

    /**
     * Compares the 16 token bytes at {@code offset} of {@code datagram} with {@code token} in time
     * that does not depend on where they differ, so a stranger cannot guess a token byte by byte.
     */
    public static boolean tokenMatches(ByteBuffer datagram, int offset, byte[] token) {
        int diff = 0;
        for (int i = 0; i < TOKEN_BYTES; i++) {
            diff |= datagram.get(offset + i) ^ token[i];
        }
        return diff == 0;
    }

    /** The peer id as the non-negative number the control protocol uses. */
    public static long unsignedPeer(int peer) {
        return Integer.toUnsignedLong(peer);
    }
}
