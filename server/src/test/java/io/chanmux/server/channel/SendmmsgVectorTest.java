package io.chanmux.server.channel;

import io.chanmux.protocol.wire.Datagram;
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
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The poll loop's {@code sendmmsg} fan-out (Linux x86-64, with {@code sun.nio.ch} exported and
 * native access granted, as surefire's arguments and the server jar's manifest do): copies of a
 * datagram taken by {@code recvmmsg} leave from its slot, IPv4 and IPv6 targets alike in one call;
 * a copy the kernel refuses is counted as a send error without losing the others; the copies of
 * all the datagrams one call took leave together; a run of copies of one size to one peer leaves
 * as one segmented message and still arrives as separate datagrams, in order, or one by one where
 * the kernel refuses to segment; and a port registered with the vectors uses them. This (platform) thread plays the poll loop's.
 */
@Timeout(30)
class SendmmsgVectorTest {
    private static final PeerRates UNLIMITED = new PeerRates(Integer.MAX_VALUE, Integer.MAX_VALUE);
    /** Send without UDP checksums: {@code SO_NO_CHECK} (asm-generic/socket.h), and over IPv6 {@code UDP_NO_CHECK6_TX} (linux/udp.h). */
    private static final int SOL_SOCKET = 1;
    private static final int SO_NO_CHECK = 11;
    private static final int UDP_NO_CHECK6_TX = 101;
    private static final int UDP_NO_CHECK6_RX = 102;

    private RecvmmsgVector receiver;
    private SendmmsgVector vector;
    private DatagramChannel relaySocket;
    private DatagramChannel source;
    private DatagramChannel sink4;
    private DatagramChannel sink6;
    private final RelayCounters counters = new RelayCounters(1);

    @BeforeEach
    void setUp() throws IOException {
        assumeTrue(NativeSockets.platformSupported(), "the layouts written are Linux x86-64's");
        receiver = RecvmmsgVector.openIfAvailable(1500);
        assertNotNull(receiver, "recvmmsg and sendmmsg are linkable and the socket descriptor reachable");
        vector = SendmmsgVector.sendingFrom(receiver, true);
        // Unbound address: one dual-stack socket reaches both loopbacks, as a relay bound to :: does.
        relaySocket = DatagramChannel.open().bind(new InetSocketAddress(0));
        source = DatagramChannel.open().bind(new InetSocketAddress(InetAddress.getByName("127.0.0.1"), 0));
        sink4 = DatagramChannel.open().bind(new InetSocketAddress(InetAddress.getByName("127.0.0.1"), 0));
        sink6 = DatagramChannel.open().bind(new InetSocketAddress(InetAddress.getByName("::1"), 0));
    }

    @AfterEach
    void tearDown() throws IOException {
        if (vector != null) {
            vector.close();
            receiver.close();
            relaySocket.close();
            source.close();
            sink4.close();
            sink6.close();
        }
    }

    @Test
    void shouldSendCopiesToIpv4AndIpv6TargetsInOneCallWhenTheFanOutFitsTheVector() throws IOException {
        CopySender copies = relayCopies();
        int length = receivedPayload("both");

        copies.start(receiver.datagram(0), length, counters);
        copies.add(address(sink4));
        copies.add(address(sink6));
        copies.flush();

        assertEquals(1, vector.calls);
        assertEquals(2, counters.get(RelayCounter.FORWARDED));
        assertEquals(8, counters.get(RelayCounter.BYTES_FORWARDED));
        assertEquals("both", receive(sink4));
        assertEquals("both", receive(sink6));
    }

    @Test
    void shouldSendTheOtherCopiesAndCountOneSendErrorWhenTheKernelRefusesOneTarget() throws IOException {
        CopySender copies = relayCopies();
        int length = receivedPayload("rest");

        copies.start(receiver.datagram(0), length, counters);
        copies.add(address(sink4));
        copies.add(new InetSocketAddress(InetAddress.getByName("127.0.0.1"), 0)); // port 0: EINVAL
        copies.add(address(sink6));
        copies.flush();

        assertEquals(2, counters.get(RelayCounter.FORWARDED));
        assertEquals(1, counters.get(RelayCounter.SEND_ERRORS));
        assertEquals("rest", receive(sink4));
        assertEquals("rest", receive(sink6));
    }

    @Test
    void shouldTakeOneCallVectorFullWhenMoreTargetsAreQueuedThanTheVectorHoldsMessages() throws IOException {
        CopySender copies = relayCopies();
        int targets = SendmmsgVector.MESSAGES + 6;
        copies.start(receiver.datagram(0), receivedPayload("many"), counters);
        for (int i = 0; i < targets; i++) {
            copies.add(new InetSocketAddress(InetAddress.getByName("127.0.0.1"), 20_000 + i)); // nobody listens: fine
        }
        copies.flush();

        assertEquals(2, vector.calls);
        assertEquals(targets, counters.get(RelayCounter.FORWARDED));
    }

    @Test
    void shouldDeliverEachCopyAsADatagramOfItsOwnInOrderWhenARunOfCopiesToOnePeerLeavesAsOneMessage()
            throws IOException {
        assumeTrue(vector.joinsCopies(), "this kernel segments UDP (Linux 4.18 and later)");
        RelayChannel relay = new RelayChannel("own", 0, 1, new RebindSignal());
        try (Selector selector = Selector.open()) {
            RelayPort port = batchedPortOfThreePeers(relay, selector);
            List<String> texts = List.of("aa", "bb", "cc", "d"); // one size, then a shorter last
            relayFromPeerOne(port, texts);

            assertEquals(1, vector.calls);
            assertEquals(2, vector.joinedMessages, "one message of four copies per peer");
            assertEquals(8, relay.counters().get(RelayCounter.FORWARDED));
            assertEquals(2L * (4 * 13 + 7), relay.counters().get(RelayCounter.BYTES_FORWARDED));
            assertBothPeersReceiveInOrder(texts);
        }
    }

    @Test
    void shouldSendEachCopyAsAMessageOfItsOwnWhenJoiningIsTurnedOff() throws IOException {
        vector.close();
        vector = SendmmsgVector.sendingFrom(receiver, false);
        assertFalse(vector.joinsCopies());
        RelayChannel relay = new RelayChannel("own", 0, 1, new RebindSignal());
        try (Selector selector = Selector.open()) {
            RelayPort port = batchedPortOfThreePeers(relay, selector);
            List<String> texts = List.of("aa", "bb", "cc");
            relayFromPeerOne(port, texts);

            assertEquals(1, vector.calls, "six messages, one call");
            assertEquals(0, vector.joinedMessages);
            assertEquals(6, relay.counters().get(RelayCounter.FORWARDED));
            assertBothPeersReceiveInOrder(texts);
        }
    }

    @Test
    void shouldStartAnotherMessageWhenALongerCopyFollowsOrACopyIsLongerThanASegmentMayBe() throws IOException {
        assumeTrue(vector.joinsCopies(), "this kernel segments UDP (Linux 4.18 and later)");
        RelayChannel relay = new RelayChannel("own", 0, 1, new RebindSignal());
        String large = "x".repeat(SendmmsgVector.MAX_SEGMENT_BYTES - Datagram.HEADER_BYTES + 1); // one byte over
        try (Selector selector = Selector.open()) {
            RelayPort port = batchedPortOfThreePeers(relay, selector);
            List<String> texts = List.of("a", "bb", large, large);
            relayFromPeerOne(port, texts);

            assertEquals(0, vector.joinedMessages, "no two copies to one peer could share a message");
            assertEquals(8, relay.counters().get(RelayCounter.FORWARDED));
            assertBothPeersReceiveInOrder(texts);
        }
    }

    @Test
    void shouldJoinCopiesOfTheLargestSegmentSizeAndStartAnotherMessageAtTheCopyAndByteCaps() throws IOException {
        assumeTrue(vector.joinsCopies(), "this kernel segments UDP (Linux 4.18 and later)");
        CopySender copies = relayCopies();
        copies.start(receiver.datagram(0), receivedPayload("x".repeat(SendmmsgVector.MAX_SEGMENT_BYTES)), counters);
        int largest = SendmmsgVector.MAX_MESSAGE_BYTES / SendmmsgVector.MAX_SEGMENT_BYTES; // 45 fit in one message
        for (int i = 0; i <= largest; i++) {
            copies.add(address(sink4));
        }
        copies.flush();

        assertEquals(1, vector.joinedMessages, "45 copies in one message, the 46th in one of its own");
        for (int i = 0; i <= largest; i++) {
            assertEquals(SendmmsgVector.MAX_SEGMENT_BYTES, receivedLength(sink4));
        }

        // 129: more than any kernel's UDP_MAX_SEGMENTS (64, or 128 since Linux 6.10), so an uncapped run is refused.
        int small = 2 * SendmmsgVector.MAX_SEGMENTS + 1;
        copies.start(receiver.datagram(0), receivedPayload("small"), counters);
        for (int i = 0; i < small; i++) {
            copies.add(address(sink6));
        }
        copies.flush();

        assertEquals(3, vector.joinedMessages, "64 copies in each of two messages, the 129th in one of its own");
        assertEquals(0, vector.refusedJoins);
        assertEquals(largest + 1 + small, counters.get(RelayCounter.FORWARDED));
        for (int i = 0; i < small; i++) {
            assertEquals("small".length(), receivedLength(sink6));
        }
    }

    @Test
    void shouldSendTheCopiesOneByOneWhenTheKernelRefusesToSegmentAJoinedMessage() throws IOException {
        assumeTrue(vector.joinsCopies(), "this kernel segments UDP (Linux 4.18 and later)");
        // A socket sending without UDP checksums cannot segment: the kernel refuses with EINVAL, which
        // the vector takes for a path MTU below the copies' size, as it cannot tell the two apart.
        NativeSockets.setIntOption(relaySocket, SOL_SOCKET, SO_NO_CHECK, 1);
        NativeSockets.setIntOption(relaySocket, NativeSockets.SOL_UDP, UDP_NO_CHECK6_TX, 1);
        NativeSockets.setIntOption(sink6, NativeSockets.SOL_UDP, UDP_NO_CHECK6_RX, 1); // else IPv6 drops them
        RelayChannel relay = new RelayChannel("own", 0, 1, new RebindSignal());
        try (Selector selector = Selector.open()) {
            RelayPort port = batchedPortOfThreePeers(relay, selector);
            List<String> texts = List.of("aa", "bb", "cc");
            relayFromPeerOne(port, texts);

            assertEquals(2, vector.refusedJoins);
            assertEquals(0, vector.joinedMessages);
            assertEquals(6, relay.counters().get(RelayCounter.FORWARDED));
            assertEquals(0, relay.counters().get(RelayCounter.SEND_ERRORS));
            assertBothPeersReceiveInOrder(texts);

            // Each peer's entry remembers the refusal: copies of that size are no longer joined for it.
            relayFromPeerOne(port, texts);

            assertEquals(2, vector.refusedJoins, "not tried again");
            assertEquals(12, relay.counters().get(RelayCounter.FORWARDED));
            assertBothPeersReceiveInOrder(texts);
        }
    }

    @Test
    void shouldEncodeEachOfManyTargetsOnceWhenTheyAreSentToAgain() throws IOException {
        CopySender copies = relayCopies();
        List<InetSocketAddress> targets = new ArrayList<>();
        for (int i = 0; i < 500; i++) {
            targets.add(new InetSocketAddress(InetAddress.getByName("127.0.0.1"), 20_000 + i)); // nobody listens: fine
        }
        for (int round = 0; round < 2; round++) {
            copies.start(receiver.datagram(0), receivedPayload("again"), counters);
            targets.forEach(copies::add);
            copies.flush();
        }

        assertEquals(targets.size(), vector.encodes);
    }

    @Test
    void shouldRefuseADatagramThatIsNotInAReceiveSlotWhenAFanOutStarts() {
        CopySender copies = relayCopies();

        assertThrows(IllegalArgumentException.class,
                () -> copies.start(ByteBuffer.allocateDirect(1501), 10, counters));
        assertThrows(IllegalArgumentException.class,
                () -> copies.start(receiver.datagram(0), 1502, counters));
    }

    @Test
    void shouldTakeSeveralDatagramsInOneCallAndSendAllTheirCopiesInAnotherWhenThePortIsRegisteredWithTheVectors()
            throws IOException {
        RelayChannel relay = new RelayChannel("own", 0, 1, new RebindSignal());
        try (Selector selector = Selector.open()) {
            RelayPort port = batchedPortOfThreePeers(relay, selector);
            assertTrue(port.batched());

            for (int i = 0; i < 3; i++) {
                sendData(1, "data" + i);
            }
            port.drain(null, 64);

            assertEquals(1, receiver.calls, "three datagrams, one recvmmsg");
            assertEquals(1, vector.calls, "six copies, one sendmmsg");
            assertEquals(6, relay.counters().get(RelayCounter.FORWARDED));
            assertEquals(6L * 18, relay.counters().get(RelayCounter.BYTES_FORWARDED));
            assertEquals(0, relay.counters().get(RelayCounter.SEND_ERRORS));
            for (int i = 0; i < 3; i++) {
                assertEquals("data" + i, dataText(sink4), "each copy from its own slot, in order");
                assertEquals("data" + i, dataText(sink6));
            }
        }
    }

    @Test
    void shouldSendEveryCopyOfEachCallBeforeTheSlotsAreTakenAgainWhenMoreDatagramsWaitThanTheVectorHolds()
            throws IOException {
        RelayChannel relay = new RelayChannel("own", 0, 1, new RebindSignal());
        int datagrams = RecvmmsgVector.CAPACITY + 8;
        try (Selector selector = Selector.open()) {
            RelayPort port = batchedPortOfThreePeers(relay, selector);
            for (int i = 0; i < datagrams; i++) {
                sendData(1, "d" + (char) ('A' + i));
            }

            port.drain(null, 64);

            assertEquals(2, receiver.calls, "a full vector, then the rest");
            assertEquals(2, vector.calls, "the copies of each receive, in one call each");
            assertEquals(2L * datagrams, relay.counters().get(RelayCounter.FORWARDED));
            for (int i = 0; i < datagrams; i++) {
                assertEquals("d" + (char) ('A' + i), dataText(sink4));
                assertEquals("d" + (char) ('A' + i), dataText(sink6));
            }
        }
    }

    @Test
    void shouldSendEachSocketsCopiesFromThatSocketAndCountThemInTheirOwnChannelWhenTwoPortsShareTheVector()
            throws IOException {
        RelayCounters otherCounters = new RelayCounters(1);
        try (DatagramChannel otherSocket = DatagramChannel.open().bind(new InetSocketAddress(0))) {
            CopySender copies = relayCopies();
            CopySender otherCopies = vector.copiesFor(NativeSockets.descriptor(otherSocket), 0);
            int length = receivedPayload("mine");

            copies.start(receiver.datagram(0), length, counters);
            copies.add(address(sink4));
            otherCopies.start(receiver.datagram(0), length, otherCounters);
            otherCopies.add(address(sink4));
            otherCopies.flush();

            assertEquals(2, vector.calls, "one call per socket");
            assertEquals(address(relaySocket).getPort(), sourcePort(sink4));
            assertEquals(address(otherSocket).getPort(), sourcePort(sink4));
            assertEquals(1, counters.get(RelayCounter.FORWARDED));
            assertEquals(1, otherCounters.get(RelayCounter.FORWARDED));
        }
    }

    @Test
    void shouldTakeAndSendOneAtATimeWhenNoVectorsAreGiven() throws IOException {
        RelayChannel relay = new RelayChannel("own", 0, 1, new RebindSignal());
        RelayPort port = new RelayPort(relaySocket, 0, relay::find, relay.counters(),
                new RelaySettings(1500, BindCookies.newKey(), System::nanoTime, () -> UNLIMITED),
                SourceChallengeLimits.PER_CHANNEL_SLOTS);
        try (Selector selector = Selector.open()) {
            port.register(selector, relay, null);
            assertFalse(port.batched());
        }
    }

    /**
     * The relay socket's port, registered with {@code selector} and the vectors, for {@code relay}
     * with three bound peers: 1 at {@code source}, 2 at {@code sink4}, 3 at {@code sink6}.
     */
    private RelayPort batchedPortOfThreePeers(RelayChannel relay, Selector selector) throws IOException {
        RelayPort port = new RelayPort(relaySocket, 0, relay::find, relay.counters(),
                new RelaySettings(1500, BindCookies.newKey(), System::nanoTime, () -> UNLIMITED),
                SourceChallengeLimits.PER_CHANNEL_SLOTS);
        Peer sender = new Peer(1, new byte[16], relay, UNLIMITED, 0);
        Peer to4 = new Peer(2, new byte[16], relay, UNLIMITED, 0);
        Peer to6 = new Peer(3, new byte[16], relay, UNLIMITED, 0);
        sender.bind(address(source));
        to4.bind(address(sink4));
        to6.bind(address(sink6));
        relay.publish(PeerTable.EMPTY.with(sender).with(to4).with(to6));
        port.register(selector, relay, vector);
        return port;
    }

    /** Sends each of {@code texts} as DATA from peer 1 to the relay socket, then has {@code port} take them in one drain. */
    private void relayFromPeerOne(RelayPort port, List<String> texts) throws IOException {
        for (String text : texts) {
            sendData(1, text);
        }
        port.drain(null, 64);
    }

    /** Asserts that peers 2 (at {@code sink4}) and 3 (at {@code sink6}) each received {@code texts} as DATA, in order. */
    private void assertBothPeersReceiveInOrder(List<String> texts) throws IOException {
        for (String text : texts) {
            assertEquals(text, dataText(sink4));
            assertEquals(text, dataText(sink6));
        }
    }

    /** The copy sender of the relay socket, counting in row 0. */
    private CopySender relayCopies() {
        return vector.copiesFor(NativeSockets.descriptor(relaySocket), 0);
    }

    /** Sends {@code text} to the relay socket and takes it into slot 0; returns its length. */
    private int receivedPayload(String text) throws IOException {
        source.send(ByteBuffer.wrap(text.getBytes(StandardCharsets.US_ASCII)), relayAddress());
        assertEquals(1, receiver.receive(NativeSockets.descriptor(relaySocket)));
        return receiver.length(0);
    }

    /** A DATA datagram from peer {@code id}: type, id, sequence, {@code text}. */
    private void sendData(int id, String text) throws IOException {
        ByteBuffer datagram = ByteBuffer.allocate(1500);
        datagram.put((byte) 0x02).putInt(id).putLong(0).put(text.getBytes(StandardCharsets.US_ASCII)).flip();
        source.send(datagram, relayAddress());
    }

    private InetSocketAddress relayAddress() throws IOException {
        return new InetSocketAddress(InetAddress.getByName("127.0.0.1"), address(relaySocket).getPort());
    }

    private static InetSocketAddress address(DatagramChannel channel) throws IOException {
        return (InetSocketAddress) channel.getLocalAddress();
    }

    private static String receive(DatagramChannel sink) throws IOException {
        ByteBuffer received = ByteBuffer.allocate(64);
        sink.receive(received);
        return new String(received.array(), 0, received.position(), StandardCharsets.US_ASCII);
    }

    /** The payload of the next DATA datagram {@code sink} received, after its 13-byte header. */
    private static String dataText(DatagramChannel sink) throws IOException {
        ByteBuffer received = ByteBuffer.allocate(1500);
        sink.receive(received);
        return new String(received.array(), 13, received.position() - 13, StandardCharsets.US_ASCII);
    }

    private static int receivedLength(DatagramChannel sink) throws IOException {
        ByteBuffer received = ByteBuffer.allocate(1500);
        sink.receive(received);
        return received.position();
    }

    private static int sourcePort(DatagramChannel sink) throws IOException {
        return ((InetSocketAddress) sink.receive(ByteBuffer.allocate(64))).getPort();
    }
}
