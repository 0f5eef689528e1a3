package io.chanmux.server.channel;

import com.sun.management.ThreadMXBean;
import io.chanmux.server.config.PeerRates;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.nio.channels.Selector;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The validate-and-fan-out path allocates nothing of its own per datagram, with a port per channel
 * and on the shared port (where the sender is found through the pools' peer indexes). Measured on
 * the calling (platform) thread after JIT warm-up, with the JDK's own send on a direct buffer
 * included, and with the poll loop's {@code recvmmsg} and {@code sendmmsg} in their place (the
 * source address's decoding included).
 */
class RelayPortAllocationTest {
    private static final PeerRates UNLIMITED = new PeerRates(Integer.MAX_VALUE, Integer.MAX_VALUE);
    private static final int WARMUP = 50_000;
    private static final int MEASURED = 20_000;
    /** Enough calls of the native receive, four datagrams each, for the JIT to compile away what its binding allocates. */
    private static final int BATCHED_WARMUP = 200_000;

    private DatagramChannel relaySocket;
    private DatagramChannel sinkA;
    private DatagramChannel sinkB;
    private InetSocketAddress sourceA;
    private final RelaySettings settings = new RelaySettings(1500, BindCookies.newKey(), System::nanoTime, () -> UNLIMITED);

    @BeforeEach
    void setUp() throws IOException {
        InetAddress loopback = InetAddress.getLoopbackAddress();
        relaySocket = DatagramChannel.open().bind(new InetSocketAddress(loopback, 0));
        sinkA = DatagramChannel.open().bind(new InetSocketAddress(loopback, 0));
        sinkB = DatagramChannel.open().bind(new InetSocketAddress(loopback, 0));
        sourceA = (InetSocketAddress) sinkA.getLocalAddress();
    }

    @AfterEach
    void tearDown() throws IOException {
        relaySocket.close();
        sinkA.close();
        sinkB.close();
    }

    @Test
    void shouldAllocateNothingPerForwardedDatagramWhenTheChannelHasItsOwnPort() throws IOException {
        RelayChannel relay = new RelayChannel("own", 0, 1, new RebindSignal());
        RelayPort port = new RelayPort(relaySocket, 0, relay::find, relay.counters(), settings,
                SourceChallengeLimits.PER_CHANNEL_SLOTS);
        relay.publish(boundPair(relay, 1, 2));

        assertAllocationFree(port, relay, 1);
    }

    @Test
    void shouldAllocateNothingPerForwardedDatagramWhenDatagramsComeThroughRecvmmsgAndLeaveThroughSendmmsg()
            throws IOException {
        RecvmmsgVector receiver = RecvmmsgVector.openIfAvailable(1500);
        assumeTrue(receiver != null, "recvmmsg and sendmmsg are Linux x86-64's");
        SendmmsgVector sender = SendmmsgVector.sendingFrom(receiver, true);
        RelayChannel relay = new RelayChannel("own", 0, 1, new RebindSignal());
        RelayPort port = new RelayPort(relaySocket, 0, relay::find, relay.counters(), settings,
                SourceChallengeLimits.PER_CHANNEL_SLOTS);
        relay.publish(boundPair(relay, 1, 2));
        InetSocketAddress relayAddress = (InetSocketAddress) relaySocket.getLocalAddress();
        ByteBuffer datagram = ByteBuffer.allocateDirect(13);
        ThreadMXBean threads = (ThreadMXBean) ManagementFactory.getThreadMXBean();
        try (receiver; sender; Selector selector = Selector.open()) {
            port.register(selector, relay, sender);

            // Real datagrams from peer 1's socket, taken by drain: the source's decoding is measured too.
            receiveAndRelay(port, datagram, relayAddress, BATCHED_WARMUP);
            long before = threads.getCurrentThreadAllocatedBytes();
            receiveAndRelay(port, datagram, relayAddress, MEASURED);
            long allocated = threads.getCurrentThreadAllocatedBytes() - before;

            assertEquals((long) BATCHED_WARMUP + MEASURED, relay.counters().get(RelayCounter.FORWARDED),
                    "every datagram was forwarded to the other peer");
            assertTrue(allocated < MEASURED, allocated + " bytes for " + MEASURED + " datagrams");
        }
    }

    /** Sends {@code count} DATA datagrams from peer 1's socket and has the port drain them, 4 at a time. */
    private void receiveAndRelay(RelayPort port, ByteBuffer datagram, InetSocketAddress relay, int count)
            throws IOException {
        for (int i = 0; i < count; i++) {
            datagram.clear();
            datagram.put((byte) 0x02).putInt(1).putLong(i).flip();
            sinkA.send(datagram, relay);
            if ((i & 3) == 3) {
                port.drain(null, 64);
            }
            if ((i & 255) == 255) {
                drain(sinkB);
            }
        }
    }

    @Test
    void shouldAllocateNothingPerForwardedDatagramWhenTheSharedPortFindsTheSenderThroughThePoolIndexes()
            throws IOException {
        // Two pools: ids 1, 3, 5… are pool 0's and 2, 4, 6… pool 1's, as ChannelPool hands them out.
        PeerIndex[] pools = {new PeerIndex(), new PeerIndex()};
        RelayChannel relay = new RelayChannel("shared", 0, 2, new RebindSignal());
        RelayPort port = new RelayPort(relaySocket, 1, id -> pools[Integer.remainderUnsigned(id - 1, 2)].find(id),
                new RelayCounters(2), settings, SourceChallengeLimits.SHARED_PORT_SLOTS);
        PeerTable table = boundPair(relay, 3, 5);
        for (int i = 0; i < 1000; i++) {
            pools[i % 2].put(new Peer(7 + i, new byte[16], relay, new PeerRates(1, 1500), 0)); // other channels' peers
        }
        pools[0].put(table.peer(0));
        pools[0].put(table.peer(1));
        relay.publish(table);

        assertAllocationFree(port, relay, 3);
    }

    /** Two peers of {@code relay}, bound to the two sinks; this (platform) thread plays their socket thread. */
    private PeerTable boundPair(RelayChannel relay, int a, int b) throws IOException {
        Peer first = new Peer(a, new byte[16], relay, UNLIMITED, 0);
        Peer second = new Peer(b, new byte[16], relay, UNLIMITED, 0);
        first.bind(sourceA);
        second.bind((InetSocketAddress) sinkB.getLocalAddress());
        return PeerTable.EMPTY.with(first).with(second);
    }

    private void assertAllocationFree(RelayPort port, RelayChannel relay, int sender) {
        ByteBuffer buffer = ByteBuffer.allocateDirect(1501);
        ThreadMXBean threads = (ThreadMXBean) ManagementFactory.getThreadMXBean();

        relayData(port, buffer, sender, WARMUP);
        long before = threads.getCurrentThreadAllocatedBytes();
        relayData(port, buffer, sender, MEASURED);
        long allocated = threads.getCurrentThreadAllocatedBytes() - before;

        assertEquals((long) WARMUP + MEASURED, relay.counters().get(RelayCounter.FORWARDED) + relay.counters()
                .get(RelayCounter.SEND_ERRORS), "every datagram was fanned out to the other peer");
        // Far below one object per datagram: anything the path allocated would show as >= 16 B each.
        assertTrue(allocated < MEASURED, allocated + " bytes for " + MEASURED + " datagrams");
    }

    private void relayData(RelayPort port, ByteBuffer buffer, int sender, int count) {
        for (int i = 0; i < count; i++) {
            buffer.clear();
            buffer.put((byte) 0x02).putInt(sender).putLong(i);
            port.onDatagram(buffer, 13, sourceA, System.nanoTime());
            if ((i & 255) == 0) {
                drain(sinkB);
            }
        }
    }

    private static void drain(DatagramChannel sink) {
        try {
            sink.configureBlocking(false);
            ByteBuffer scratch = ByteBuffer.allocateDirect(64);
            while (sink.receive(scratch.clear()) != null) {
                // discard: only the relay's allocations are measured
            }
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
