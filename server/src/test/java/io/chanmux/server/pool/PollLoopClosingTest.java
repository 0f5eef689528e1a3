package io.chanmux.server.pool;

import io.chanmux.server.channel.RelayCounter;
import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.channels.DatagramChannel;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * How a poll loop lets go of a socket the pool closed, and how it stops: the pool closes a
 * channel's socket on another thread while datagrams still reach it, the loop goes on with the
 * others, and once it has flushed the port is free, also when no datagram wakes it; a loop ends
 * when its thread is interrupted.
 */
@Timeout(30)
class PollLoopClosingTest {
    @AutoClose
    private final PollLoopFixture fixture = new PollLoopFixture();

    @ParameterizedTest(name = "busy-poll share {0} %")
    @ValueSource(ints = {0, 100})
    void shouldFreeThePortOfAChannelClosedWhileDatagramsReachIt(int maxWaitPercent) throws Exception {
        PollLoop loop = fixture.startLoop(maxWaitPercent, channel -> { });
        Channel closing = servedChannel(loop, "closing");
        Channel open = fixture.channel("open", peerId -> null);
        loop.register(open);

        // As the pool deletes a channel: its socket closed, which the kernel keeps open while registered.
        ChannelDirectory.closeQuietly(closing);
        for (int i = 0; i < 3; i++) {
            fixture.send(closing);
        }
        for (int i = 1; i <= 3; i++) {
            fixture.send(open);
            long expected = i;
            await().until(() -> open.relay().counters().get(RelayCounter.DROP_UNKNOWN_PEER) == expected);
        }
        loop.awaitClosed();

        assertPortFree(closing.port());
        assertEquals(0, loop.turnFailures());
    }

    @Test
    void shouldFreeThePortOfAChannelClosedWhileTheLoopSleeps() throws Exception {
        PollLoop loop = fixture.startLoop(0, channel -> { });
        Channel closing = servedChannel(loop, "closing");

        // No datagram after the close: only the flush's wake-up can make the sleeping loop
        // deregister the key, and so the kernel close the socket.
        ChannelDirectory.closeQuietly(closing);
        loop.awaitClosed();

        assertPortFree(closing.port());
    }

    /** Asleep in its selector (share 0) or polling (share 100, within the window after the datagram). */
    @ParameterizedTest(name = "busy-poll share {0} %")
    @ValueSource(ints = {0, 100})
    void shouldEndWhenInterrupted(int maxWaitPercent) throws Exception {
        PollLoop loop = fixture.startLoop(maxWaitPercent, channel -> { });
        servedChannel(loop, "quiet");

        // As closing the pool's scope does.
        fixture.interruptLoop();
        await().until(() -> !fixture.loopAlive());
    }

    /** A channel registered with {@code loop}, whose socket the loop has served once. */
    private Channel servedChannel(PollLoop loop, String id) throws Exception {
        Channel channel = fixture.channel(id, peerId -> null);
        loop.register(channel);
        fixture.send(channel);
        await().until(() -> channel.relay().counters().get(RelayCounter.DROP_UNKNOWN_PEER) == 1);
        return channel;
    }

    /** Binds {@code port} and lets it go again: throws if a socket still holds it. */
    private static void assertPortFree(int port) throws Exception {
        try (DatagramChannel rebound = DatagramChannel.open()) {
            rebound.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port));
        }
    }
}
