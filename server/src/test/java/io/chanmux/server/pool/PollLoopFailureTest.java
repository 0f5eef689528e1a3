package io.chanmux.server.pool;

import io.chanmux.server.channel.RebindSignal;
import io.chanmux.server.channel.RelayChannel;
import io.chanmux.server.channel.RelayCounter;
import io.chanmux.server.channel.RelayCounters;
import io.chanmux.server.channel.RelayPort;
import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A failure in the poll loop ends at most the channel it happened in: the loop thread lives on and
 * the pool's other channels keep being served, and a failed channel is reported ended only once
 * its socket is deregistered, so the kernel has closed it and its port is free. The shared port's
 * socket, which serves every channel, is never ended.
 */
@Timeout(30)
class PollLoopFailureTest {
    /** Each ended channel, and whether its socket was still registered with the selector then. */
    private final Map<String, Boolean> endedRegistered = new ConcurrentHashMap<>();
    @AutoClose
    private final PollLoopFixture fixture = new PollLoopFixture();

    @ParameterizedTest(name = "busy-poll share {0} %")
    @ValueSource(ints = {0, 100})
    void shouldKeepServingTheOtherChannelsWhenOneChannelsDatagramPathThrowsAnError(int maxWaitPercent)
            throws Exception {
        PollLoop loop = startLoop(maxWaitPercent);
        Channel broken = fixture.channel("broken", peerId -> {
            throw new AssertionError("injected failure");
        });
        Channel healthy = fixture.channel("healthy", peerId -> null);
        loop.register(broken);
        loop.register(healthy);

        fixture.send(broken);
        await().until(() -> endedRegistered.containsKey("broken"));
        assertFalse(endedRegistered.get("broken"), "reported ended while its socket was still registered");

        for (int i = 1; i <= 3; i++) {
            fixture.send(healthy);
            long expected = i;
            await().until(() -> healthy.relay().counters().get(RelayCounter.DROP_UNKNOWN_PEER) == expected);
        }
        assertTrue(fixture.loopAlive());
        assertEquals(0, loop.turnFailures());
        assertEquals(List.of("broken"), List.copyOf(endedRegistered.keySet()));
    }

    @ParameterizedTest(name = "busy-poll share {0} %")
    @ValueSource(ints = {0, 100})
    void shouldGoOnWithTheNextTurnWhenATurnFails(int maxWaitPercent) throws Exception {
        PollLoop loop = startLoop(maxWaitPercent);
        Channel healthy = fixture.channel("healthy", peerId -> null);
        // No socket to register: the turn that applies it fails outside any channel's datagram path.
        loop.register(new Channel("socketless", null, 2, null, null, null, new RelayChannel("socketless", 0, 1, new RebindSignal()), null));
        loop.register(healthy);
        await().until(() -> loop.turnFailures() == 1);

        fixture.send(healthy);
        await().until(() -> healthy.relay().counters().get(RelayCounter.DROP_UNKNOWN_PEER) == 1);
        assertTrue(fixture.loopAlive());
    }

    @ParameterizedTest(name = "busy-poll share {0} %")
    @ValueSource(ints = {0, 100})
    void shouldKeepServingTheSharedPortWhenItsDatagramPathThrowsAnError(int maxWaitPercent) throws Exception {
        AtomicBoolean failNext = new AtomicBoolean(true);
        RelayCounters unattributed = new RelayCounters(1);
        RelayPort shared = fixture.sharedPort(peerId -> {
            if (failNext.getAndSet(false)) {
                throw new AssertionError("injected failure");
            }
            return null;
        }, unattributed);
        PollLoop loop = fixture.startLoop(maxWaitPercent, channel -> endedRegistered.put(channel.id(), true), shared);

        fixture.sendToSharedPort();
        await().until(() -> loop.turnFailures() == 1);
        for (int i = 1; i <= 3; i++) {
            fixture.sendToSharedPort();
            long expected = i;
            await().until(() -> unattributed.get(RelayCounter.DROP_UNKNOWN_PEER) == expected);
        }
        assertTrue(fixture.loopAlive());
        assertEquals(1, loop.turnFailures());
        assertTrue(endedRegistered.isEmpty(), "the shared port ended a channel: " + endedRegistered);
    }

    /** A loop that sleeps (share 0) or polls after any window with work (share 100). */
    private PollLoop startLoop(int maxWaitPercent) throws IOException {
        return fixture.startLoop(maxWaitPercent, channel -> {
            endedRegistered.put(channel.id(), channel.ownPort() != null && fixture.socketOf(channel).isRegistered());
            ChannelDirectory.closeQuietly(channel);
            // The pool's own callback may fail too: the loop must outlive that as well.
            throw new IllegalStateException("injected failure in ended");
        });
    }
}
