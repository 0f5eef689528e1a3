package io.chanmux.server.channel;

import io.chanmux.server.config.PeerRates;
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

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Hostile datagrams fed straight to a channel's validation path (no threads): every datagram is
 * either forwarded once to the other peer or counted as exactly one drop, and nothing throws.
 */
class DatagramParserProperties {
    private static final PeerRates UNLIMITED = new PeerRates(Integer.MAX_VALUE, Integer.MAX_VALUE);
    private static final int MAX_DATAGRAM = 300;
    private static final byte[] TOKEN_A = "0123456789abcdef".getBytes();
    private static final byte[] TOKEN_B = "fedcba9876543210".getBytes();

    private static DatagramChannel relaySocket;
    private static DatagramChannel sinkA;
    private static DatagramChannel sinkB;
    private static RelayChannel relay;
    private static RelayPort port;
    private static final InetSocketAddress STRANGER = new InetSocketAddress(InetAddress.getLoopbackAddress(), 9);

    @BeforeContainer
    static void openSockets() throws IOException {
        InetAddress loopback = InetAddress.getLoopbackAddress();
        relaySocket = DatagramChannel.open().bind(new InetSocketAddress(loopback, 0));
        sinkA = DatagramChannel.open().bind(new InetSocketAddress(loopback, 0));
        sinkB = DatagramChannel.open().bind(new InetSocketAddress(loopback, 0));
        sinkA.configureBlocking(false);
        sinkB.configureBlocking(false);
        relay = new RelayChannel("props", 0, 1, new RebindSignal());
        port = new RelayPort(relaySocket, 0, relay::find, relay.counters(),
                new RelaySettings(MAX_DATAGRAM, BindCookies.newKey(), System::nanoTime, () -> UNLIMITED),
                SourceChallengeLimits.PER_CHANNEL_SLOTS);
        Peer a = new Peer(1, TOKEN_A, relay, UNLIMITED, System.nanoTime());
        Peer b = new Peer(2, TOKEN_B, relay, UNLIMITED, System.nanoTime());
        // The test thread plays the channel thread, so it may bind.
        a.bind((InetSocketAddress) sinkA.getLocalAddress());
        b.bind((InetSocketAddress) sinkB.getLocalAddress());
        relay.publish(PeerTable.EMPTY.with(a).with(b));
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
        long answers = answers();

        feed(datagram, STRANGER);

        assertEquals(drops + 1, drops(), "one drop per hostile datagram");
        assertEquals(forwarded, relay.counters().get(RelayCounter.FORWARDED));
        assertEquals(answers, answers(), "a stranger was answered");
        assertEquals(0, pending(sinkA) + pending(sinkB), "a stranger's datagram reached a peer");
    }

    @Property(tries = 10_000)
    void shouldForwardOrDropButNeverEchoWhenAValidDatagramIsMutated(@ForAll @Size(max = 200) byte[] payload,
                                                                  @ForAll @IntRange(max = 300) int position,
                                                                  @ForAll byte replacement) throws IOException {
        byte[] datagram = new byte[5 + payload.length];
        ByteBuffer.wrap(datagram).put((byte) 0x02).putInt(1).put(payload);
        datagram[position % datagram.length] = replacement;
        long before = drops() + relay.counters().get(RelayCounter.FORWARDED) + answers();

        feed(datagram, (InetSocketAddress) sinkA.getLocalAddress());

        long after = drops() + relay.counters().get(RelayCounter.FORWARDED) + answers();
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
        port.onDatagram(buffer, length, source, System.nanoTime());
    }

    /** Datagrams the relay sent back to a source: PONG, BIND_OK, CHALLENGE. */
    private static long answers() {
        return relay.counters().get(RelayCounter.PONGS) + relay.counters().get(RelayCounter.BIND_OK)
                + relay.counters().get(RelayCounter.CHALLENGES);
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
