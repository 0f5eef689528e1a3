package io.chanmux.server.pool;

import io.chanmux.server.channel.EpollSet;
import io.chanmux.server.channel.RelayCounter;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.channels.DatagramChannel;
import java.util.List;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * How a poll loop lets go of a socket the pool closed, and how it stops, waiting in an epoll set
 * (where the platform has one) or in its selector: the pool closes a channel's socket on another
 * thread while datagrams still reach it, the loop goes on with the others, and once it has flushed
 * the port is free; a socket that takes a failed channel's number is served; a loop asleep in its
 * wait ends when the pool stops it.
 */
@Timeout(30)
class PollLoopClosingTest {
    private PollLoopFixture fixture;

    @AfterEach
    void tearDown() throws Exception {
        if (fixture != null) {
            fixture.close();
        }
    }

    @Test
    void shouldWaitInAnEpollSetOfItsOwnWhereThePlatformHasOne() throws Exception {
        fixture = new PollLoopFixture();
        PollLoop loop = fixture.startLoop(0, channel -> { });
        assertEquals(EpollSet.available(), loop.waitsInEpollSet());
    }

    @ParameterizedTest(name = "busy-poll share {0} %, epoll set {1}")
    @CsvSource({"0, true", "100, true", "0, false", "100, false"})
    void shouldFreeThePortOfAChannelClosedWhileDatagramsReachIt(int maxWaitPercent, boolean epollSet) throws Exception {
        fixture = new PollLoopFixture(epollSet);
        PollLoop loop = fixture.startLoop(maxWaitPercent, channel -> { });
        Channel closing = fixture.channel("closing", peerId -> null);
        Channel open = fixture.channel("open", peerId -> null);
        loop.register(closing);
        loop.register(open);
        fixture.send(closing);
        await().until(() -> closing.relay().counters().get(RelayCounter.DROP_UNKNOWN_PEER) == 1);

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
        loop.awaitClosed(List.of(closing));

        try (DatagramChannel rebound = DatagramChannel.open()) {
            rebound.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), closing.port()));
        }
        assertEquals(0, loop.turnFailures());
    }

    @ParameterizedTest(name = "busy-poll share {0} %, epoll set {1}")
    @CsvSource({"0, true", "100, true", "0, false", "100, false"})
    void shouldServeASocketThatTookAFailedChannelsDescriptor(int maxWaitPercent, boolean epollSet) throws Exception {
        fixture = new PollLoopFixture(epollSet);
        PollLoop loop = fixture.startLoop(maxWaitPercent, ChannelDirectory::closeQuietly);
        Channel failing = fixture.channel("failing", peerId -> {
            throw new AssertionError("injected failure");
        });
        loop.register(failing);
        fixture.send(failing);
        // Reported ended once deregistered; the callback closes its socket, so its number is free.
        await().until(() -> !fixture.socketOf(failing).isOpen());

        Channel next = fixture.channel("next", peerId -> null);
        assumeTrue(next.ownPort().descriptor() == failing.ownPort().descriptor(), "the kernel gave another number");
        loop.register(next);
        // The pool's delete of the failed channel comes after: it must not take the new socket's place.
        loop.awaitClosed(List.of(failing));
        for (int i = 1; i <= 3; i++) {
            fixture.send(next);
            long expected = i;
            await().until(() -> next.relay().counters().get(RelayCounter.DROP_UNKNOWN_PEER) == expected);
        }
    }

    @ParameterizedTest(name = "busy-poll share {0} %, epoll set {1}")
    @CsvSource({"0, true", "100, true", "0, false", "100, false"})
    void shouldEndWhenStoppedWhileItWaits(int maxWaitPercent, boolean epollSet) throws Exception {
        fixture = new PollLoopFixture(epollSet);
        PollLoop loop = fixture.startLoop(maxWaitPercent, channel -> { });
        Channel channel = fixture.channel("quiet", peerId -> null);
        loop.register(channel);
        fixture.send(channel);
        await().until(() -> channel.relay().counters().get(RelayCounter.DROP_UNKNOWN_PEER) == 1);

        loop.stop();
        await().until(() -> !fixture.loopAlive());
    }
}
