package io.chanmux.server.channel;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.IOException;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.StandardProtocolFamily;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The poll loop's {@code recvmmsg} (Linux x86-64, with {@code sun.nio.ch} exported and native
 * access granted, as surefire's arguments and the server jar's manifest do): every waiting
 * datagram in one call, each with its length and its source as the JDK's own receive would give
 * it, an oversize datagram shown longer than the largest, and a source that sends again handed
 * out as the same object. This (platform) thread plays the poll loop's.
 */
@Timeout(30)
class RecvmmsgVectorTest {
    private static final int MAX_DATAGRAM = 100;

    private RecvmmsgVector vector;
    /** Dual-stack, as a relay bound to :: is: IPv4 senders reach it mapped. */
    private DatagramChannel relaySocket;
    private int fd;
    private DatagramChannel sender4;
    private DatagramChannel sender6;

    @BeforeEach
    void setUp() throws IOException {
        assumeTrue(NativeSockets.platformSupported(), "the layouts written are Linux x86-64's");
        vector = RecvmmsgVector.openIfAvailable(MAX_DATAGRAM);
        assertNotNull(vector, "recvmmsg is linkable and the socket descriptor reachable");
        relaySocket = DatagramChannel.open().bind(new InetSocketAddress(0));
        fd = NativeSockets.descriptor(relaySocket);
        sender4 = DatagramChannel.open().bind(new InetSocketAddress(InetAddress.getByName("127.0.0.1"), 0));
        sender6 = DatagramChannel.open().bind(new InetSocketAddress(InetAddress.getByName("::1"), 0));
    }

    @AfterEach
    void tearDown() throws IOException {
        if (vector != null) {
            vector.close();
            relaySocket.close();
            sender4.close();
            sender6.close();
        }
    }

    @Test
    void shouldTakeEveryWaitingDatagramInOneCallWithItsLengthAndSourceWhenSeveralWait() throws IOException {
        send(sender4, "first", "127.0.0.1");
        send(sender6, "second", "::1");
        send(sender4, "third", "127.0.0.1");

        assertEquals(3, vector.receive(fd));

        assertEquals(1, vector.calls);
        assertEquals("first", text(0));
        assertEquals("second", text(1));
        assertEquals("third", text(2));
        assertEquals(sender4.getLocalAddress(), vector.source(0));
        assertEquals(sender6.getLocalAddress(), vector.source(1));
        assertEquals(sender4.getLocalAddress(), vector.source(2));
    }

    @Test
    void shouldGiveAMappedIpv4SourceAsAnIpv4AddressWhenItReachesAnIpv6Socket() throws IOException {
        send(sender4, "mapped", "127.0.0.1");

        assertEquals(1, vector.receive(fd));

        assertInstanceOf(Inet4Address.class, vector.source(0).getAddress());
        assertEquals(sender4.getLocalAddress(), vector.source(0));
    }

    @Test
    void shouldHandOutTheSameAddressObjectWhenASourceSendsAgain() throws IOException {
        send(sender6, "once", "::1");
        assertEquals(1, vector.receive(fd));
        InetSocketAddress first = vector.source(0);

        send(sender6, "again", "::1");
        assertEquals(1, vector.receive(fd));

        assertSame(first, vector.source(0));
    }

    @Test
    void shouldHandOutTheSameAddressObjectForEachOfManySourcesWhenTheyAllSendAgain() throws IOException {
        assertEachOfManySourcesIsDecodedOnce();
    }

    @Test
    void shouldHandOutTheSameAddressObjectForEachOfManySourcesWhenTheyReachAnIpv4Socket() throws IOException {
        // An IPv4-only socket (a relay bound to 0.0.0.0) is given sockaddr_in names: the other key's path.
        relaySocket.close();
        relaySocket = DatagramChannel.open(StandardProtocolFamily.INET)
                .bind(new InetSocketAddress(InetAddress.getByName("127.0.0.1"), 0));
        fd = NativeSockets.descriptor(relaySocket);

        assertEachOfManySourcesIsDecodedOnce();
    }

    /** 300 IPv4 senders send twice: each source is handed out right, and as the same object the second time. */
    private void assertEachOfManySourcesIsDecodedOnce() throws IOException {
        List<DatagramChannel> senders = new ArrayList<>();
        try {
            for (int i = 0; i < 300; i++) {
                senders.add(DatagramChannel.open().bind(new InetSocketAddress(InetAddress.getByName("127.0.0.1"), 0)));
            }
            Map<SocketAddress, InetSocketAddress> first = receiveFromEach(senders);
            Map<SocketAddress, InetSocketAddress> second = receiveFromEach(senders);

            assertEquals(senders.size(), first.size());
            for (DatagramChannel sender : senders) {
                SocketAddress local = sender.getLocalAddress();
                assertEquals(local, first.get(local));
                assertSame(first.get(local), second.get(local), "a known source is not decoded again");
            }
        } finally {
            for (DatagramChannel sender : senders) {
                sender.close();
            }
        }
    }

    @Test
    void shouldReturnNoneWhenNothingIsWaiting() {
        assertEquals(0, vector.receive(fd));
    }

    @Test
    void shouldShowAnOversizeDatagramOneByteLongerThanTheLargestWhenItIsTooLong() throws IOException {
        send(sender4, "x".repeat(MAX_DATAGRAM * 2), "127.0.0.1");

        assertEquals(1, vector.receive(fd));

        assertEquals(MAX_DATAGRAM + 1, vector.length(0));
    }

    @Test
    void shouldFailLoudlyWhenTheDescriptorIsInvalid() {
        assertThrows(IllegalStateException.class, () -> vector.receive(-1)); // EBADF: no turn would ever read it
    }

    @Test
    void shouldRefuseToLocateABufferWhenItIsNotTheSlotBeingHandled() {
        ByteBuffer first = vector.datagram(1);
        assertEquals(vector.address(first), vector.address(vector.datagram(1)));
        vector.datagram(2);

        assertThrows(IllegalArgumentException.class, () -> vector.address(first), "not the slot being handled");
        assertThrows(IllegalArgumentException.class, () -> vector.address(ByteBuffer.allocateDirect(MAX_DATAGRAM + 1)));
    }

    /** One datagram from each sender, taken a vector at a time; the source each was handed out as. */
    private Map<SocketAddress, InetSocketAddress> receiveFromEach(List<DatagramChannel> senders) throws IOException {
        Map<SocketAddress, InetSocketAddress> sources = new HashMap<>();
        for (int from = 0; from < senders.size(); from += RecvmmsgVector.CAPACITY) {
            int to = Math.min(senders.size(), from + RecvmmsgVector.CAPACITY);
            for (int i = from; i < to; i++) {
                send(senders.get(i), "hello", "127.0.0.1");
            }
            assertEquals(to - from, vector.receive(fd));
            for (int i = 0; i < to - from; i++) {
                sources.put(vector.source(i), vector.source(i));
            }
        }
        return sources;
    }

    private void send(DatagramChannel from, String text, String relayHost) throws IOException {
        int port = ((InetSocketAddress) relaySocket.getLocalAddress()).getPort();
        from.send(ByteBuffer.wrap(text.getBytes(StandardCharsets.US_ASCII)),
                new InetSocketAddress(InetAddress.getByName(relayHost), port));
    }

    private String text(int slot) {
        byte[] bytes = new byte[vector.length(slot)];
        vector.datagram(slot).get(0, bytes);
        return new String(bytes, StandardCharsets.US_ASCII);
    }
}
