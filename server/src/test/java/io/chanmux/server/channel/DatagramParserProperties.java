package io.chanmux.server.channel;

import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.BeforeContainer;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Hostile datagrams fed straight to a channel's validation path (no threads): every datagram is
 * either forwarded once to the other peer or counted as exactly one drop, and nothing throws.
 */
class DatagramParserProperties {
    private static final int MAX_DATAGRAM = 300;
    private static final byte[] TOKEN_A = "0123456789abcdef".getBytes();
    private static final byte[] TOKEN_B = "fedcba9876543210".getBytes();

    private static DatagramChannel relaySocket;
    private static DatagramChannel sinkA;
    private static DatagramChannel sinkB;
    private static RelayChannel relay;
    private static final AtomicInteger bindRequests = new AtomicInteger();
    private static final InetSocketAddress STRANGER = new InetSocketAddress(InetAddress.getLoopbackAddress(), 9);

    @BeforeContainer
    static void openSockets() throws IOException {
        InetAddress loopback = InetAddress.getLoopbackAddress();
        relaySocket = DatagramChannel.open().bind(new InetSocketAddress(loopback, 0));
        sinkA = DatagramChannel.open().bind(new InetSocketAddress(loopback, 0));
        sinkB = DatagramChannel.open().bind(new InetSocketAddress(loopback, 0));
        sinkA.configureBlocking(false);
        sinkB.configureBlocking(false);
        relay = new RelayChannel("props", relaySocket, 0, MAX_DATAGRAM, (channel, peer, source) -> {
            bindRequests.incrementAndGet();
            return true;
        }, System::nanoTime);
        relay.publish(PeerTable.EMPTY
                .with(new Peer(1, TOKEN_A, (InetSocketAddress) sinkA.getLocalAddress(), new PeerActivity(0),
                        new PeerRateLimit(Integer.MAX_VALUE, Integer.MAX_VALUE, System.nanoTime())))
                .with(new Peer(2, TOKEN_B, (InetSocketAddress) sinkB.getLocalAddress(), new PeerActivity(0),
                        new PeerRateLimit(Integer.MAX_VALUE, Integer.MAX_VALUE, System.nanoTime()))));
    }

    @AfterContainer
    static void closeSockets() throws IOException {
        relaySocket.close();
        sinkA.close();
        sinkB.close();
    }

    @Property(tries = 10_000)
    void shouldDropAndCountExactlyOnceWhateverAStrangerSends(@ForAll @Size(max = 400) byte[] datagram) throws IOException {
        long drops = drops();
        long forwarded = relay.counters().get(RelayCounter.FORWARDED);
        int binds = bindRequests.get();

        feed(datagram, STRANGER);

        assertEquals(drops + 1, drops(), "one drop per hostile datagram");
        assertEquals(forwarded, relay.counters().get(RelayCounter.FORWARDED));
        assertEquals(binds, bindRequests.get());
        assertEquals(0, pending(sinkA) + pending(sinkB), "a stranger's datagram reached a peer");
    }

    @Property(tries = 10_000)
    void shouldForwardOrDropButNeverEchoWhenAValidDatagramIsMutated(@ForAll @Size(max = 200) byte[] payload,
                                                                  @ForAll @IntRange(max = 300) int position,
                                                                  @ForAll byte replacement) throws IOException {
        byte[] datagram = new byte[5 + payload.length];
        ByteBuffer.wrap(datagram).put((byte) 0x02).putInt(1).put(payload);
        datagram[position % datagram.length] = replacement;
        long before = drops() + relay.counters().get(RelayCounter.FORWARDED) + relay.counters().get(RelayCounter.PONGS)
                + bindRequests.get();

        feed(datagram, (InetSocketAddress) sinkA.getLocalAddress());

        long after = drops() + relay.counters().get(RelayCounter.FORWARDED) + relay.counters().get(RelayCounter.PONGS)
                + bindRequests.get();
        assertEquals(before + 1, after, "each datagram is forwarded once, answered once, or dropped once");
        int backToSender = pending(sinkA);
        pending(sinkB);
        if (datagram[0] == 0x02) {
            assertEquals(0, backToSender, "a DATA came back to its sender");
        }
    }

    private static void feed(byte[] datagram, InetSocketAddress source) {
        ByteBuffer buffer = ByteBuffer.allocateDirect(MAX_DATAGRAM + 1);
        int length = Math.min(datagram.length, buffer.capacity());
        buffer.put(datagram, 0, length);
        relay.onDatagram(buffer, length, source);
    }

    private static long drops() {
        long total = 0;
        for (RelayCounter c : RelayCounter.values()) {
            if (c.isDrop()) {
                total += relay.counters().get(c);
            }
        }
        return total;
    }

    /** Datagrams waiting in a sink (a send to loopback is in the receiver's buffer before it returns). */
    private static int pending(DatagramChannel sink) throws IOException {
        int n = 0;
        ByteBuffer scratch = ByteBuffer.allocate(1024);
        while (sink.receive(scratch.clear()) != null) {
            n++;
        }
        return n;
    }
}
