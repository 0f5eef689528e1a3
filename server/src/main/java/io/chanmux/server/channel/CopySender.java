package io.chanmux.server.channel;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;

/**
 * How the copies of fanned-out datagrams leave a socket: {@link #start} with a datagram, one
 * {@link #add} per target; {@link #flush} once the datagrams received together are handled. Each
 * copy is counted in the datagram's channel counters as {@code FORWARDED} (and its bytes) once
 * sent, or as {@code SEND_ERRORS}. Chosen once per {@link RelayPort}: one {@code send} per copy
 * through the JDK, at once ({@link PerCopy}, any engine and platform), or queued and sent many per
 * {@code sendmmsg(2)} ({@link SendmmsgCopies}, the poll-loop engine on Linux x86-64). Only the
 * port's socket thread calls either.
 */
sealed interface CopySender permits CopySender.PerCopy, SendmmsgCopies {

    /**
     * Begins a fan-out of {@code datagram[0, length)}, counted in {@code counters}; the datagram's
     * bytes must stay as they are until {@link #flush}.
     */
    void start(ByteBuffer datagram, int length, RelayCounters counters);

    /** One copy to {@code target}: sent now, or queued for {@link #flush}. */
    void add(InetSocketAddress target);

    /**
     * Sends whatever is queued. A copy that fails is dropped, never retried; a full send buffer
     * drops that copy and, with {@code sendmmsg}, the rest of the copies being sent in the same
     * call (up to 64 messages, each of one copy or of a joined run of copies to one target).
     */
    void flush();

    /**
     * Sends {@code datagram}'s remaining bytes to {@code target}: false when that failed or, on a
     * non-blocking socket (poll-loop engine), when the socket's send buffer had no room.
     */
    static boolean sendWhole(DatagramChannel socket, ByteBuffer datagram, InetSocketAddress target) {
        try {
            return socket.send(datagram, target) > 0;
        } catch (IOException e) {
            // the peer's address refused, or the network is down
            return false;
        }
    }

    /** One {@link DatagramChannel#send} per copy, at once. Socket thread only. */
    final class PerCopy implements CopySender {
        private final DatagramChannel socket;
        private final int writer;
        private ByteBuffer datagram;
        private int length;
        private RelayCounters counters;

        PerCopy(DatagramChannel socket, int writer) {
            this.socket = socket;
            this.writer = writer;
        }

        @Override
        public void start(ByteBuffer datagram, int length, RelayCounters counters) {
            this.datagram = datagram;
            this.length = length;
            this.counters = counters;
        }

        @Override
        public void add(InetSocketAddress target) {
            if (sendWhole(socket, datagram.limit(length).position(0), target)) {
                counters.increment(writer, RelayCounter.FORWARDED);
                counters.add(writer, RelayCounter.BYTES_FORWARDED, length);
            } else {
                counters.increment(writer, RelayCounter.SEND_ERRORS);
            }
        }

        @Override
        public void flush() {
            // every copy left in add
        }
    }
}
