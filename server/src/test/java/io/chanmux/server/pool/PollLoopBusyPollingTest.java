package io.chanmux.server.pool;

import io.chanmux.server.channel.RelayCounter;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.IOException;
import java.nio.channels.DatagramChannel;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicBoolean;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A poll loop polls without sleeping while its sockets keep it busy, serves its commands and every
 * socket meanwhile, and sleeps again, polling no more, once they fall quiet; with a share of 0 it
 * never polls.
 */
@Timeout(30)
class PollLoopBusyPollingTest {
    @AutoClose
    private final PollLoopFixture fixture = new PollLoopFixture();
    private final AtomicBoolean flooding = new AtomicBoolean(true);
    private Thread flood;

    @AfterEach
    void tearDown() throws Exception {
        stopFlood(); // the fixture, closed after this, stops the loop
    }

    @Test
    void shouldPollWhileFloodedAndSleepAgainWhenTheFloodStops() throws Exception {
        // 100: any window in which a socket was ready makes the loop poll through the next.
        PollLoop loop = fixture.startLoop(100, ChannelDirectory::closeQuietly);
        Channel flooded = fixture.channel("flooded", peerId -> null);
        loop.register(flooded);
        startFlood(flooded);
        await().until(loop::busyPolling);

        Channel later = fixture.channel("later", peerId -> null);
        loop.register(later);
        fixture.send(later);
        await().until(() -> later.relay().counters().get(RelayCounter.DROP_UNKNOWN_PEER) == 1);

        stopFlood();
        await().until(() -> !loop.busyPolling() && loop.emptyPolls() > 0);
        long emptyPolls = loop.emptyPolls();
        await().during(Duration.ofMillis(300)).atMost(Duration.ofSeconds(5))
                .until(() -> !loop.busyPolling() && loop.emptyPolls() == emptyPolls);
        assertTrue(fixture.loopAlive());
    }

    @Test
    void shouldNeverPollWhenItsShareIsZero() throws Exception {
        PollLoop loop = fixture.startLoop(0, ChannelDirectory::closeQuietly);
        Channel flooded = fixture.channel("flooded", peerId -> null);
        loop.register(flooded);
        startFlood(flooded);

        await().until(() -> flooded.relay().counters().get(RelayCounter.DROP_UNKNOWN_PEER) >= 20_000);
        stopFlood();
        assertFalse(loop.busyPolling());
        assertEquals(0, loop.emptyPolls());
    }

    /** Sends to {@code channel} from a socket of the flood's own, as fast as it can, until stopped. */
    private void startFlood(Channel channel) {
        flood = Thread.ofPlatform().name("test-flood").start(() -> {
            try (DatagramChannel socket = PollLoopFixture.openSocket()) {
                while (flooding.get()) {
                    PollLoopFixture.send(socket, channel);
                }
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
        });
    }

    private void stopFlood() throws InterruptedException {
        flooding.set(false);
        if (flood != null) {
            flood.join();
        }
    }
}
