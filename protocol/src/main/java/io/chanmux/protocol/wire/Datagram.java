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
 * |  body: BIND = token, CHALLENGE = cookie, CONFIRM = token + cookie,             |
 * |        DATA = payload, PING/PONG = 8 opaque bytes, BIND_OK = nothing ...       |
 * +-------------------------------------------------------------------------------+
 * </pre>
 *
 * <p>Client to server: {@link #BIND}, {@link #CONFIRM}, {@link #DATA}, {@link #PING}. Server to
 * client: {@link #BIND_OK} (header only), {@link #CHALLENGE}, {@link #PONG} (the PING's body), and
 * DATA forwarded unchanged.
 *
 * <p>Binding (protocol 2) is return-routable, after QUIC's path validation: a BIND from the
 * address the peer is already bound to is answered BIND_OK at once; from any other address it is
 * answered with a CHALLENGE carrying a cookie, and only a CONFIRM that echoes the cookie from that
 * same address moves the binding. No answer is larger than the datagram it answers.
 *
 * <pre>
 * BIND (21 bytes)              CHALLENGE (21 bytes)          CONFIRM (37 bytes)
 * +------+---------+--------+  +------+---------+---------+  +------+---------+--------+---------+
 * | 0x01 | peer id | token  |  | 0x82 | peer id | cookie  |  | 0x04 | peer id | token  | cookie  |
 * |  1   |    4    |   16   |  |  1   |    4    |   16    |  |  1   |    4    |   16   |   16    |
 * +------+---------+--------+  +------+---------+---------+  +------+---------+--------+---------+
 * </pre>
 *
 * Stateless: every method is safe from any thread.
 */
public final class Datagram {
    /** Bytes in the header: type (1) + peer id (4). */
    public static final int HEADER_BYTES = 5;
    /** Bytes in a BIND token. */
    public static final int TOKEN_BYTES = 16;
    /** Bytes in a PING or PONG body. */
    public static final int PING_BODY_BYTES = 8;
    /** Bytes in a bind cookie, as a CHALLENGE carries it and a CONFIRM echoes it. */
    public static final int COOKIE_BYTES = 16;
    /** Total length of a BIND datagram. */
    public static final int BIND_BYTES = HEADER_BYTES + TOKEN_BYTES;
    /** Total length of a CHALLENGE datagram: the same as the BIND it answers, never more. */
    public static final int CHALLENGE_BYTES = HEADER_BYTES + COOKIE_BYTES;
    /** Total length of a CONFIRM datagram. */
    public static final int CONFIRM_BYTES = HEADER_BYTES + TOKEN_BYTES + COOKIE_BYTES;
    /** Where the cookie starts in a CONFIRM (after the token). */
    public static final int CONFIRM_COOKIE_OFFSET = HEADER_BYTES + TOKEN_BYTES;
    /** Total length of a PING or PONG datagram. */
    public static final int PING_BYTES = HEADER_BYTES + PING_BODY_BYTES;

    /**
     * Asks to bind the datagram's source address to the peer; body is the join token. From the
     * bound address it is answered {@link #BIND_OK}, from any other with a {@link #CHALLENGE}.
     */
    public static final byte BIND = 0x01;
    /** Payload to forward to every other bound peer of the channel. */
    public static final byte DATA = 0x02;
    /** Liveness probe; answered with {@link #PONG}. */
    public static final byte PING = 0x03;
    /** Answer to a {@link #CHALLENGE}: the token and the echoed cookie; moves the binding to its source. */
    public static final byte CONFIRM = 0x04;
    /** Answer to a BIND from the bound address or to a valid CONFIRM, sent after the binding is in effect. */
    public static final byte BIND_OK = (byte) 0x81;
    /** Answer to a BIND from an address that is not the peer's bound one: a cookie to echo in a {@link #CONFIRM}. */
    public static final byte CHALLENGE = (byte) 0x82;
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
        requireToken(token);
        return putHeader(buffer, BIND, peer).put(token).flip();
    }

    /**
     * Writes the CONFIRM that answers {@code challenge} (a whole CHALLENGE datagram at index 0,
     * see {@link #isChallengeFor}) into {@code buffer} and flips it: {@code peer}, {@code token},
     * then the challenge's cookie.
     */
    public static ByteBuffer encodeConfirm(ByteBuffer buffer, int peer, byte[] token, ByteBuffer challenge) {
        requireToken(token);
        putHeader(buffer, CONFIRM, peer).put(token);
        for (int i = 0; i < COOKIE_BYTES; i++) {
            buffer.put(challenge.get(HEADER_BYTES + i));
        }
        return buffer.flip();
    }

    /** Writes a whole CHALLENGE datagram carrying {@code cookie} (16 bytes) into {@code buffer} and flips it. */
    public static ByteBuffer encodeChallenge(ByteBuffer buffer, int peer, byte[] cookie) {
        if (cookie.length != COOKIE_BYTES) {
            throw new IllegalArgumentException("cookie must be " + COOKIE_BYTES + " bytes, was " + cookie.length);
        }
        return putHeader(buffer, CHALLENGE, peer).put(cookie).flip();
    }

    /** Writes a whole DATA datagram with {@code payload} into {@code buffer} and flips it. */
    public static ByteBuffer encodeData(ByteBuffer buffer, int peer, ByteBuffer payload) {
        return putHeader(buffer, DATA, peer).put(payload).flip();
    }

    /** Writes a whole PING datagram carrying {@code body} into {@code buffer} and flips it. */
    public static ByteBuffer encodePing(ByteBuffer buffer, int peer, long body) {
        return putHeader(buffer, PING, peer).putLong(body).flip();
    }

    /** Whether the {@code length} bytes at index 0 of {@code datagram} are a well-formed CHALLENGE for {@code peer}. */
    public static boolean isChallengeFor(ByteBuffer datagram, int length, int peer) {
        return length == CHALLENGE_BYTES && type(datagram) == CHALLENGE && peer(datagram) == peer;
    }

    /**
     * Compares the 16 token bytes at {@code offset} of {@code datagram} with {@code token} in time
     * that does not depend on where they differ, so a stranger cannot guess a token byte by byte.
     */
    public static boolean tokenMatches(ByteBuffer datagram, int offset, byte[] token) {
        return constantTimeEquals(datagram, offset, token, TOKEN_BYTES);
    }

    /**
     * Compares the 16 cookie bytes at {@code offset} of {@code datagram} with the first 16 bytes of
     * {@code cookie}, in time that does not depend on where they differ.
     */
    public static boolean cookieMatches(ByteBuffer datagram, int offset, byte[] cookie) {
        return constantTimeEquals(datagram, offset, cookie, COOKIE_BYTES);
    }

    /** The peer id as the non-negative number the control protocol uses. */
    public static long unsignedPeer(int peer) {
        return Integer.toUnsignedLong(peer);
    }

    private static boolean constantTimeEquals(ByteBuffer datagram, int offset, byte[] expected, int length) {
        int diff = 0;
        for (int i = 0; i < length; i++) {
            diff |= datagram.get(offset + i) ^ expected[i];
        }
        return diff == 0;
    }

    private static void requireToken(byte[] token) {
        if (token.length != TOKEN_BYTES) {
            throw new IllegalArgumentException("token must be " + TOKEN_BYTES + " bytes, was " + token.length);
        }
    }
}
