package io.chanmux.server.channel;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** The poll loop's own epoll set, on real loopback sockets: tokens, level triggering, removal and wake-ups. */
class EpollSetTest {
    /** Long enough for loopback, short enough that a broken set fails the test instead of hanging it. */
    private static final int WAIT_MS = 5_000;
    private EpollSet epoll;
    private final List<DatagramChannel> sockets = new ArrayList<>();

    @BeforeEach
    void open() {
        assumeTrue(NativeSockets.platformSupported(), "epoll sets are for Linux x86-64");
        epoll = EpollSet.openIfAvailable(8);
        assertNotNull(epoll, "surefire grants native access and exports sun.nio.ch, as the server jar does");
    }

    @AfterEach
    void close() throws IOException {
        if (epoll != null) {
            epoll.close();
        }
        for (DatagramChannel socket : sockets) {
            socket.close();
        }
    }

    @Test
    void shouldHandBackTheTokenOfAReadySocketForAsLongAsItHoldsDatagrams() throws Exception {
        DatagramChannel quiet = socket();
        DatagramChannel busy = socket();
        epoll.add(NativeSockets.descriptor(quiet), 3);
        epoll.add(NativeSockets.descriptor(busy), 7);
        assertEquals(0, epoll.await(0));

        send(busy);
        assertEquals(List.of(7), tokens(epoll.await(WAIT_MS)));
        // Level-triggered: unread, it is ready again.
        assertEquals(List.of(7), tokens(epoll.await(0)));

        busy.receive(ByteBuffer.allocate(64));
        assertEquals(0, epoll.await(0));
    }

    @Test
    void shouldNoLongerHandBackASocketOnceRemoved() throws Exception {
        DatagramChannel socket = socket();
        int fd = NativeSockets.descriptor(socket);
        epoll.add(fd, 1);
        send(socket);
        assertEquals(List.of(1), tokens(epoll.await(WAIT_MS)));

        epoll.remove(fd);
        assertEquals(0, epoll.await(0));
        // Removing an open descriptor that is not in the set is no error.
        epoll.remove(fd);
    }

    @Test
    void shouldRefuseADescriptorTwiceOrOneThatIsNotOpen() throws Exception {
        int fd = NativeSockets.descriptor(socket());
        epoll.add(fd, 1);
        assertThrows(IllegalStateException.class, () -> epoll.add(fd, 2));
        assertThrows(IllegalStateException.class, () -> epoll.add(Integer.MAX_VALUE, 3));
    }

    @Test
    void shouldEndAWaitWhenAnotherThreadWakesItUpAndOnlyThatWait() throws Exception {
        CompletableFuture<List<Integer>> waited = CompletableFuture.supplyAsync(() -> tokens(epoll.await(WAIT_MS)));
        // Whether the wake-up comes before the wait or during it, the wait ends with it.
        epoll.wakeUp();
        assertEquals(List.of(EpollSet.WAKE_TOKEN), waited.get(WAIT_MS, TimeUnit.MILLISECONDS));

        epoll.wakeUp();
        epoll.wakeUp();
        assertEquals(List.of(EpollSet.WAKE_TOKEN), tokens(epoll.await(0)));
        assertEquals(0, epoll.await(0), "the wait read the wake-ups back");
    }

    @Test
    void shouldWriteToNoDescriptorWhenWokenUpOnceClosed() throws Exception {
        int wakeDescriptor = epoll.wakeDescriptor();
        epoll.close();
        // The kernel hands out the lowest free numbers: one of these two most likely takes the eventfd's.
        DatagramChannel receiver = socket();
        DatagramChannel first = socket();
        DatagramChannel second = socket();
        DatagramChannel taker = NativeSockets.descriptor(first) == wakeDescriptor ? first : second;
        assumeTrue(NativeSockets.descriptor(taker) == wakeDescriptor, "no socket took the eventfd's number");
        // Connected, the socket sends whatever is written to its descriptor.
        taker.connect(receiver.getLocalAddress());

        epoll.wakeUp();
        taker.write(ByteBuffer.wrap(new byte[] {9}));
        ByteBuffer received = ByteBuffer.allocate(16);
        await().until(() -> receiver.receive(received.clear()) != null);
        assertEquals(1, received.position(), "the only datagram is the test's own, not a wake-up's 8 bytes");
    }

    private List<Integer> tokens(int ready) {
        List<Integer> tokens = new ArrayList<>();
        for (int i = 0; i < ready; i++) {
            tokens.add(epoll.token(i));
        }
        return tokens;
    }

    private DatagramChannel socket() throws IOException {
        DatagramChannel socket = DatagramChannel.open()
                .bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
        socket.configureBlocking(false);
        sockets.add(socket);
        return socket;
    }

    private void send(DatagramChannel to) throws IOException {
        DatagramChannel from = socket();
        from.send(ByteBuffer.wrap(new byte[] {1, 2, 3}), to.getLocalAddress());
    }
}
