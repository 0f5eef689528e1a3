package io.chanmux.server.channel;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;

/**
 * How the copies of one fanned-out datagram leave a socket: {@link #start} with the datagram, one
 * {@link #add} per target, then {@link #finish}, which says how many copies were sent. Chosen once
 * per {@link RelayPort}: one {@code send} per copy through the JDK ({@link PerCopy}, any engine and
 * platform), or one {@code sendmmsg(2)} for many copies ({@link SendmmsgCopies}, the poll-loop
 * engine on Linux x86-64). Only the port's socket thread calls either.
 */
sealed interface CopySender permits CopySender.PerCopy, SendmmsgCopies {

    /** Begins a fan-out of {@code datagram[0, length)}; the buffer is not touched until {@link #finish}. */
    void start(ByteBuffer datagram, int length);

    /** One copy to {@code target}: sent now, or queued for {@link #finish}. */
    void add(InetSocketAddress target);

    /**
     * Sends whatever is queued and ends the fan-out.
     *
     * @return how many of the copies {@link #add}ed since {@link #start} were sent; the others
     *         failed or found the socket's send buffer full, and are dropped, never retried
     */
    int finish();

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

    /** One {@link DatagramChannel#send} per copy. Socket thread only. */
    final class PerCopy implements CopySender {
        private final DatagramChannel socket;
        private ByteBuffer datagram;
        private int length;
        private int sent;

        PerCopy(DatagramChannel socket) {
            this.socket = socket;
        }

        @Override
        public void start(ByteBuffer datagram, int length) {
            this.datagram = datagram;
            this.length = length;
            this.sent = 0;
        }

        @Override
        public void add(InetSocketAddress target) {
            if (sendWhole(socket, datagram.limit(length).position(0), target)) {
                sent++;
            }
        }

        @Override
        public int finish() {
            datagram = null;
            return sent;
        }
    }
}
