package io.chanmux.loadtest.traffic;

import io.chanmux.protocol.wire.Datagram;

import java.nio.ByteBuffer;

/**
 * The DATA body every simulated sender puts after the 5-byte chanmux header. It carries what a
 * receiver needs to account for the datagram without any shared state: who sent it, its place in
 * the sender's sequence, and when it was sent.
 *
 * <pre>
 *  body offset 0       4                       12                      20      24
 * +---------------+-----------------------+-----------------------+-------+----------------------+
 * | sender (u32)  | sequence (u64)        | send time (i64,       | check | padding to --payload |
 * | = header peer | 0, 1, 2 ... per sender|  System.nanoTime)     | (u32) | bytes, see padding() |
 * +---------------+-----------------------+-----------------------+-------+----------------------+
 * </pre>
 *
 * All numbers are big-endian. {@code check} mixes sender, sequence and send time, so a damaged
 * header field is caught; the padding depends on the sequence and position, so a truncated,
 * spliced or damaged body is caught too.
 *
 * <p>Immutable and stateless apart from the length: every method is safe from any thread, and
 * none allocates, so senders and receivers use it on their own reused buffers.
 */
public final class PayloadFormat {
    /** Bytes of the fields before the padding; the smallest {@code --payload}. */
    public static final int HEADER_BYTES = 24;

    private static final int SENDER = Datagram.HEADER_BYTES;
    private static final int SEQUENCE = SENDER + 4;
    private static final int SEND_NANOS = SEQUENCE + 8;
    private static final int CHECK = SEND_NANOS + 8;
    private static final int PADDING = CHECK + 4;

    private final int payloadBytes;
    private final int datagramBytes;

    /**
     * @param payloadBytes the DATA body length, at least {@link #HEADER_BYTES}
     */
    public PayloadFormat(int payloadBytes) {
        if (payloadBytes < HEADER_BYTES || payloadBytes > 65_507 - Datagram.HEADER_BYTES) {
            throw new IllegalArgumentException("payload must be " + HEADER_BYTES + " to "
                    + (65_507 - Datagram.HEADER_BYTES) + " bytes, was " + payloadBytes);
        }
        this.payloadBytes = payloadBytes;
        this.datagramBytes = Datagram.HEADER_BYTES + payloadBytes;
    }

    /** The DATA body length. */
    public int payloadBytes() {
        return payloadBytes;
    }

    /** The whole datagram length: chanmux header plus body. */
    public int datagramBytes() {
        return datagramBytes;
    }

    /**
     * Writes a whole DATA datagram from {@code sender} into {@code buffer} (capacity at least
     * {@link #datagramBytes()}) and leaves it ready to send: position 0, limit the length.
     */
    public ByteBuffer encode(ByteBuffer buffer, int sender, long sequence, long sendNanos) {
        buffer.clear();
        buffer.put(0, Datagram.DATA);
        buffer.putInt(1, sender);
        buffer.putInt(SENDER, sender);
        buffer.putLong(SEQUENCE, sequence);
        buffer.putLong(SEND_NANOS, sendNanos);
        buffer.putInt(CHECK, check(sender, sequence, sendNanos));
        for (int i = PADDING; i < datagramBytes; i++) {
            buffer.put(i, padding(sequence, i));
        }
        return buffer.limit(datagramBytes);
    }

    /**
     * Verifies a received datagram held in {@code datagram[0, length)}.
     *
     * @return null when it is a well-formed DATA datagram of this format, else what is wrong
     */
    public Corruption verify(ByteBuffer datagram, int length) {
        if (length != datagramBytes) {
            return Corruption.BAD_LENGTH;
        }
        if (datagram.get(0) != Datagram.DATA) {
            return Corruption.BAD_TYPE;
        }
        int sender = datagram.getInt(SENDER);
        if (datagram.getInt(1) != sender) {
            return Corruption.HEADER_MISMATCH;
        }
        long sequence = datagram.getLong(SEQUENCE);
        if (datagram.getInt(CHECK) != check(sender, sequence, datagram.getLong(SEND_NANOS))) {
            return Corruption.BAD_CHECK;
        }
        for (int i = PADDING; i < datagramBytes; i++) {
            if (datagram.get(i) != padding(sequence, i)) {
                return Corruption.BAD_PADDING;
            }
        }
        return null;
    }

    /** The sender id of a verified datagram. */
    public static int sender(ByteBuffer datagram) {
        return datagram.getInt(SENDER);
    }

    /** The sequence number of a verified datagram. */
    public static long sequence(ByteBuffer datagram) {
        return datagram.getLong(SEQUENCE);
    }

    /** The sender's {@code System.nanoTime()} at sending, of a verified datagram. */
    public static long sendNanos(ByteBuffer datagram) {
        return datagram.getLong(SEND_NANOS);
    }

    /** The check word: a 64-bit mix (SplitMix64's finalizer) of the three fields, folded to 32 bits. */
    static int check(int sender, long sequence, long sendNanos) {
        long z = (Integer.toUnsignedLong(sender) * 0x9E3779B97F4A7C15L) ^ sequence ^ Long.rotateLeft(sendNanos, 17);
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        z ^= z >>> 31;
        return (int) (z ^ (z >>> 32));
    }

    /** The padding byte at datagram offset {@code index}: changes with position and sequence. */
    static byte padding(long sequence, int index) {
        return (byte) (sequence * 31 + index * 7);
    }
}
