package io.chanmux.server.channel;

import io.chanmux.server.config.PeerRates;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.nio.channels.Selector;
import java.nio.charset.StandardCharsets;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The poll loop's {@code sendmmsg} fan-out (Linux x86-64, with {@code sun.nio.ch} exported and
 * native access granted, as surefire's arguments and the server jar's manifest do): one system
 * call carries the copies to IPv4 and IPv6 targets alike, a copy the kernel refuses is counted as
 * not sent without losing the others, and a port registered with a vector uses it. This (platform)
 * thread plays the poll loop's.
 */
@Timeout(30)
class SendmmsgVectorTest {
    private static final PeerRates UNLIMITED = new PeerRates(Integer.MAX_VALUE, Integer.MAX_VALUE);

    private final ByteBuffer buffer = RelayPort.receiveBuffer(1500);
    private SendmmsgVector vector;
    private DatagramChannel relaySocket;
    private DatagramChannel sink4;
    private DatagramChannel sink6;

    @BeforeEach
    void setUp() throws IOException {
        assumeTrue(SendmmsgVector.platformSupported(), "the layouts written are Linux x86-64's");
        vector = SendmmsgVector.openIfAvailable(buffer);
        assertNotNull(vector, "sendmmsg is linkable and the socket descriptor reachable");
        // Unbound address: one dual-stack socket reaches both loopbacks, as a relay bound to :: does.
        relaySocket = DatagramChannel.open().bind(new InetSocketAddress(0));
        sink4 = DatagramChannel.open().bind(new InetSocketAddress(InetAddress.getByName("127.0.0.1"), 0));
        sink6 = DatagramChannel.open().bind(new InetSocketAddress(InetAddress.getByName("::1"), 0));
    }

    @AfterEach
    void tearDown() throws IOException {
        if (vector != null) {
            vector.close();
            relaySocket.close();
            sink4.close();
            sink6.close();
        }
    }

    @Test
    void shouldSendCopiesToIpv4AndIpv6TargetsInOneCallWhenTheFanOutFitsTheVector() throws IOException {
        CopySender copies = vector.copiesFor(relaySocket);
        int length = payload("both");

        copies.start(buffer, length);
        copies.add(address(sink4));
        copies.add(address(sink6));

        assertEquals(2, copies.finish());
        assertEquals(1, vector.calls);
        assertEquals("both", receive(sink4));
        assertEquals("both", receive(sink6));
    }

    @Test
    void shouldSendTheOtherCopiesAndCountOneUnsentWhenTheKernelRefusesOneTarget() throws IOException {
        CopySender copies = vector.copiesFor(relaySocket);
        int length = payload("rest");

        copies.start(buffer, length);
        copies.add(address(sink4));
        copies.add(new InetSocketAddress(InetAddress.getByName("127.0.0.1"), 0)); // port 0: EINVAL
        copies.add(address(sink6));

        assertEquals(2, copies.finish());
        assertEquals("rest", receive(sink4));
        assertEquals("rest", receive(sink6));
    }

    @Test
    void shouldTakeOneCallVectorFullWhenTheFanOutIsLargerThanTheVector() throws IOException {
        CopySender copies = vector.copiesFor(relaySocket);
        int targets = SendmmsgVector.CAPACITY + 6;
        copies.start(buffer, payload("many"));
        for (int i = 0; i < targets; i++) {
            copies.add(address(i % 2 == 0 ? sink4 : sink6));
        }

        assertEquals(targets, copies.finish());
        assertEquals(2, vector.calls);
        for (int i = 0; i < targets / 2; i++) {
            assertEquals("many", receive(sink4));
            assertEquals("many", receive(sink6));
        }
    }

    @Test
    void shouldFanOutDataThroughSendmmsgWhenThePortIsRegisteredWithAVector() throws IOException {
        RelayChannel relay = new RelayChannel("own", 0, 1);
        RelayPort port = new RelayPort(relaySocket, 0, relay::find, relay.counters(),
                new RelaySettings(1500, BindCookies.newKey(), System::nanoTime, () -> UNLIMITED),
                SourceChallengeLimits.PER_CHANNEL_SLOTS);
        DatagramChannel source = DatagramChannel.open().bind(new InetSocketAddress(InetAddress.getByName("127.0.0.1"), 0));
        try (source; Selector selector = Selector.open()) {
            Peer sender = new Peer(1, new byte[16], relay, UNLIMITED, 0);
            Peer to4 = new Peer(2, new byte[16], relay, UNLIMITED, 0);
            Peer to6 = new Peer(3, new byte[16], relay, UNLIMITED, 0);
            sender.bind(address(source));
            to4.bind(address(sink4));
            to6.bind(address(sink6));
            relay.publish(PeerTable.EMPTY.with(sender).with(to4).with(to6));
            port.register(selector, relay, vector);
            assertTrue(port.sendsBatched());

            buffer.clear();
            buffer.put((byte) 0x02).putInt(1).putLong(0).put("data".getBytes(StandardCharsets.US_ASCII));
            port.onDatagram(buffer, buffer.position(), address(source));

            assertEquals(1, vector.calls);
            assertEquals(2, relay.counters().get(RelayCounter.FORWARDED));
            assertEquals(2L * 17, relay.counters().get(RelayCounter.BYTES_FORWARDED));
            assertEquals(0, relay.counters().get(RelayCounter.SEND_ERRORS));
            assertEquals(17, receiveLength(sink4));
            assertEquals(17, receiveLength(sink6));
        }
    }

    @Test
    void shouldSendOneCopyAtATimeWhenNoVectorIsGiven() throws IOException {
        RelayChannel relay = new RelayChannel("own", 0, 1);
        RelayPort port = new RelayPort(relaySocket, 0, relay::find, relay.counters(),
                new RelaySettings(1500, BindCookies.newKey(), System::nanoTime, () -> UNLIMITED),
                SourceChallengeLimits.PER_CHANNEL_SLOTS);
        try (Selector selector = Selector.open()) {
            port.register(selector, relay, null);
            assertFalse(port.sendsBatched());
        }
    }

    private int payload(String text) {
        buffer.clear();
        buffer.put(text.getBytes(StandardCharsets.US_ASCII));
        return buffer.position();
    }

    private static InetSocketAddress address(DatagramChannel channel) throws IOException {
        return (InetSocketAddress) channel.getLocalAddress();
    }

    private static String receive(DatagramChannel sink) throws IOException {
        ByteBuffer received = ByteBuffer.allocate(64);
        sink.receive(received);
        return new String(received.array(), 0, received.position(), StandardCharsets.US_ASCII);
    }

    private static int receiveLength(DatagramChannel sink) throws IOException {
        ByteBuffer received = ByteBuffer.allocate(64);
        sink.receive(received);
        return received.position();
    }
}
