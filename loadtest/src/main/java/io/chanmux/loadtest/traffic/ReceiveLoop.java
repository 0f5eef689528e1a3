package io.chanmux.loadtest.traffic;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.CancelledKeyException;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.DatagramChannel;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;

/**
 * Receives for many peers at once: one {@link Selector} over their UDP sockets, one reused direct
 * buffer, and each ready socket read until it is empty. It replaces a receiver thread per peer,
 * whose every datagram cost a park, a poller re-arm and an unpark; here one wake-up serves every
 * datagram that queued meanwhile, on every socket, and nothing is allocated per datagram.
 *
 * <p>Threading: {@link #run} is the loop's own platform thread, the only one that reads the
 * sockets and the only caller of {@link SimulatedPeer#onDatagram} for the peers registered here
 * (so each peer's {@link DeliveryRecorder} keeps a single writer). {@link #register} and
 * {@link #stop} may be called from any thread.
 */
public final class ReceiveLoop {
    private final Selector selector;
    private final ByteBuffer buffer;
    private final TrafficCounters counters;
    private volatile boolean stopping;

    /**
     * @param format   the DATA format, to size the buffer
     * @param counters where receive errors are counted
     */
    public ReceiveLoop(PayloadFormat format, TrafficCounters counters) {
        try {
            this.selector = Selector.open();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot open a selector", e);
        }
        // One byte more than a valid datagram, so a longer one shows up as a bad length.
        this.buffer = ByteBuffer.allocateDirect(Math.max(format.datagramBytes(), 64) + 1);
        this.counters = counters;
    }

    /**
     * Makes {@code udp} non-blocking and delivers what arrives on it to {@code peer} from now on.
     * Closing the socket deregisters it.
     */
    void register(SimulatedPeer peer, DatagramChannel udp) throws IOException {
        udp.configureBlocking(false);
        udp.register(selector, SelectionKey.OP_READ, peer);
        selector.wakeup(); // a select in progress does not see a new key until it returns
    }

    /** The loop's thread: select, drain every ready socket, until {@link #stop}. */
    public void run() {
        try (selector) {
            while (!stopping) {
                selector.select(this::drain);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("receive loop failed", e);
        }
    }

    /** Ends {@link #run} at its next wake-up, and wakes it. */
    public void stop() {
        stopping = true;
        selector.wakeup();
    }

    private void drain(SelectionKey key) {
        SimulatedPeer peer = (SimulatedPeer) key.attachment();
        DatagramChannel udp = (DatagramChannel) key.channel();
        while (true) {
            buffer.clear();
            int length;
            try {
                length = udp.read(buffer);
            } catch (ClosedChannelException | CancelledKeyException closed) {
                return; // the peer is stopping
            } catch (IOException e) {
                counters.onReceiveError(); // e.g. ICMP port unreachable from a send on this socket
                return; // the socket stays registered: what is still queued is read at the next wake-up
            }
            if (length <= 0) {
                return;
            }
            peer.onDatagram(buffer, length, System.nanoTime());
        }
    }
}
