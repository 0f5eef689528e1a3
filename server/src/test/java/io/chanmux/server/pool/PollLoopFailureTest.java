package io.chanmux.server.pool;

import io.chanmux.protocol.wire.Datagram;
import io.chanmux.server.channel.BindCookies;
import io.chanmux.server.channel.PeerLookup;
import io.chanmux.server.channel.RelayChannel;
import io.chanmux.server.channel.RelayCounter;
import io.chanmux.server.channel.RelayPort;
import io.chanmux.server.channel.RelaySettings;
import io.chanmux.server.config.PeerRates;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A failure in the poll loop ends at most the channel it happened in: the loop thread lives on and
 * the pool's other channels keep being served, and a failed channel is reported ended only once
 * its socket is deregistered, so the kernel has closed it and its port is free.
 */
@Timeout(30)
class PollLoopFailureTest {
    private static final PeerRates UNLIMITED = new PeerRates(Integer.MAX_VALUE, Integer.MAX_VALUE);
    private final RelaySettings settings = new RelaySettings(1500, BindCookies.newKey(), System::nanoTime,
            () -> UNLIMITED);
    private final List<DatagramChannel> sockets = new ArrayList<>();
    private final Map<String, DatagramChannel> socketsById = new ConcurrentHashMap<>();
    /** Each ended channel, and whether its socket was still registered with the selector then. */
    private final Map<String, Boolean> endedRegistered = new ConcurrentHashMap<>();
    private DatagramChannel sender;
    private Thread loopThread;

    @AfterEach
    void tearDown() throws Exception {
        if (loopThread != null) {
            loopThread.interrupt();
            loopThread.join();
        }
        for (DatagramChannel socket : sockets) {
            socket.close();
        }
        if (sender != null) {
            sender.close();
        }
    }

    @Test
    void shouldKeepServingTheOtherChannelsWhenOneChannelsDatagramPathThrowsAnError() throws Exception {
        PollLoop loop = startLoop();
        Channel broken = channel("broken", peerId -> {
            throw new AssertionError("injected failure");
        });
        Channel healthy = channel("healthy", peerId -> null);
        loop.register(broken);
        loop.register(healthy);

        send(broken);
        await().until(() -> endedRegistered.containsKey("broken"));
        assertFalse(endedRegistered.get("broken"), "reported ended while its socket was still registered");

        for (int i = 1; i <= 3; i++) {
            send(healthy);
            long expected = i;
            await().until(() -> healthy.relay().counters().get(RelayCounter.DROP_UNKNOWN_PEER) == expected);
        }
        assertTrue(loopThread.isAlive());
        assertEquals(0, loop.turnFailures());
        assertEquals(List.of("broken"), List.copyOf(endedRegistered.keySet()));
    }

    @Test
    void shouldGoOnWithTheNextTurnWhenATurnFails() throws Exception {
        PollLoop loop = startLoop();
        Channel healthy = channel("healthy", peerId -> null);
        // No socket to register: the turn that applies it fails outside any channel's datagram path.
        loop.register(new Channel("socketless", null, 2, null, null, null, new RelayChannel("socketless", 0, 1), null));
        loop.register(healthy);
        await().until(() -> loop.turnFailures() == 1);

        send(healthy);
        await().until(() -> healthy.relay().counters().get(RelayCounter.DROP_UNKNOWN_PEER) == 1);
        assertTrue(loopThread.isAlive());
    }

    private PollLoop startLoop() throws IOException {
        PollLoop loop = PollLoop.open(0, 1500, 16, channel -> {
            endedRegistered.put(channel.id(), channel.ownPort() != null && socketOf(channel).isRegistered());
            ChannelDirectory.closeQuietly(channel);
            // The pool's own callback may fail too: the loop must outlive that as well.
            throw new IllegalStateException("injected failure in ended");
        });
        loopThread = Thread.ofPlatform().name("test-poll").start(loop::run);
        return loop;
    }

    private DatagramChannel socketOf(Channel channel) {
        return socketsById.get(channel.id());
    }

    private Channel channel(String id, PeerLookup lookup) throws IOException {
        DatagramChannel socket = DatagramChannel.open().bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
        sockets.add(socket);
        socketsById.put(id, socket);
        RelayChannel relay = new RelayChannel(id, ((InetSocketAddress) socket.getLocalAddress()).getPort(), 1);
        RelayPort port = new RelayPort(socket, 0, lookup, relay.counters(), settings, 4);
        return new Channel(id, null, 2, null, null, null, relay, port);
    }

    private void send(Channel channel) throws IOException {
        if (sender == null) {
            sender = DatagramChannel.open().bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
        }
        ByteBuffer datagram = Datagram.putHeader(ByteBuffer.allocate(Datagram.HEADER_BYTES + 4), Datagram.DATA, 7)
                .put(new byte[4]).flip();
        sender.send(datagram, new InetSocketAddress(InetAddress.getLoopbackAddress(), channel.port()));
    }
}
