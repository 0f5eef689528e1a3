package io.chanmux.server.channel;

import com.sun.management.ThreadMXBean;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The validate-and-fan-out path allocates nothing of its own per datagram. Measured on the calling
 * (platform) thread after JIT warm-up, with the JDK's own send on a direct buffer included.
 */
class RelayChannelAllocationTest {
    private static final int WARMUP = 50_000;
    private static final int MEASURED = 20_000;

    private DatagramChannel relaySocket;
    private DatagramChannel sinkA;
    private DatagramChannel sinkB;
    private RelayChannel relay;
    private InetSocketAddress sourceA;

    @BeforeEach
    void setUp() throws IOException {
        InetAddress loopback = InetAddress.getLoopbackAddress();
        relaySocket = DatagramChannel.open().bind(new InetSocketAddress(loopback, 0));
        sinkA = DatagramChannel.open().bind(new InetSocketAddress(loopback, 0));
        sinkB = DatagramChannel.open().bind(new InetSocketAddress(loopback, 0));
        sourceA = (InetSocketAddress) sinkA.getLocalAddress();
        relay = new RelayChannel("alloc", relaySocket, 0, 1500, BindCookies.newKey(), System::nanoTime);
        Peer a = new Peer(1, new byte[16], new PeerActivity(0), new PeerRateLimit(Integer.MAX_VALUE, Integer.MAX_VALUE, 0));
        Peer b = new Peer(2, new byte[16], new PeerActivity(0), new PeerRateLimit(Integer.MAX_VALUE, Integer.MAX_VALUE, 0));
        // This (platform) thread plays the channel thread, so it may bind.
        a.bind(sourceA);
        b.bind((InetSocketAddress) sinkB.getLocalAddress());
        relay.publish(PeerTable.EMPTY.with(a).with(b));
    }

    @AfterEach
    void tearDown() throws IOException {
        relaySocket.close();
        sinkA.close();
        sinkB.close();
    }

    @Test
    void shouldAllocateNothingPerForwardedDatagram() {
        ByteBuffer buffer = ByteBuffer.allocateDirect(1501);
        ThreadMXBean threads = (ThreadMXBean) ManagementFactory.getThreadMXBean();

        relayDataFromA(buffer, WARMUP);
        long before = threads.getCurrentThreadAllocatedBytes();
        relayDataFromA(buffer, MEASURED);
        long allocated = threads.getCurrentThreadAllocatedBytes() - before;

        assertEquals((long) WARMUP + MEASURED, relay.counters().get(RelayCounter.FORWARDED) + relay.counters()
                .get(RelayCounter.SEND_ERRORS), "every datagram was fanned out to peer 2");
        // Far below one object per datagram: anything the path allocated would show as >= 16 B each.
        assertTrue(allocated < MEASURED, allocated + " bytes for " + MEASURED + " datagrams");
    }

    private void relayDataFromA(ByteBuffer buffer, int count) {
        for (int i = 0; i < count; i++) {
            buffer.clear();
            buffer.put((byte) 0x02).putInt(1).putLong(i);
            relay.onDatagram(buffer, 13, sourceA);
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
