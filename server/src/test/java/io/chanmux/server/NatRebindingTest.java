package io.chanmux.server;

import io.chanmux.server.config.Settings;
import io.chanmux.server.config.UdpEngine;
import io.chanmux.protocol.client.ChannelInfo;
import io.chanmux.protocol.wire.Datagram;
import io.chanmux.server.channel.RelayCounter;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Timeout;

import java.net.DatagramPacket;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.BitSet;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A peer whose source address changes mid-stream, as after a NAT rebinding: its DATA is dropped as
 * {@code wrong_source} until the client library notices and binds again, which it does by itself.
 * At most one keepalive interval's worth of datagrams is lost, and none afterwards.
 */
@Timeout(60)
class NatRebindingTest {
    private static final Duration SEND_EVERY = Duration.ofMillis(5);
    private static final int BEFORE_MOVE = 100;
    private static final int AFTER_MOVE = 400;

    @ParameterizedTest(name = "{0}, shared port: {1}")
    @CsvSource({"VIRTUAL_THREADS, false", "VIRTUAL_THREADS, true", "POLL_LOOP, false", "POLL_LOOP, true"})
    void shouldLoseAtMostOneKeepaliveIntervalAndNothingAfterWhenThePeersSourceChangesMidStream(UdpEngine engine,
                                                                                               boolean sharedPort)
            throws Exception {
        // Peer timeout 3 s: the keepalive PINGs every 500 ms. Bind timeout 400 ms: the keepalive tick, which
        // sends the rebind hint, runs every 100 ms.
        try (TestRelay relay = TestRelay.start(b -> (sharedPort ? b.set(Settings.UDP_PORT, 0).set(Settings.POOLS, 4) : b)
                .set(Settings.UDP_ENGINE, engine).set(Settings.PEER_TIMEOUT, Duration.ofSeconds(3))
                .set(Settings.BIND_TIMEOUT, Duration.ofMillis(400)))) {
            ChannelInfo channel = relay.client("owner").create();
            TestPeer listener = relay.client("listener").join(channel.channel());
            TestPeer mover = relay.client("mover").join(channel.channel());
            Duration keepalive = mover.handle().keepaliveInterval();
            assertEquals(Duration.ofMillis(500), keepalive, "a sixth of the peer timeout hello reported");
            BitSet received = new BitSet();
            AtomicInteger highest = new AtomicInteger(-1);
            Thread receiver = Thread.ofVirtual().start(() -> receive(listener, received, highest));
            // Like any client, the mover reads its socket: that is where the keepalive's PONGs and
            // CHALLENGEs arrive. It hears nothing else (the listener does not send).
            Thread moverReceiver = Thread.ofVirtual().start(() -> receive(mover, new BitSet(), new AtomicInteger()));

            for (int sequence = 0; sequence < BEFORE_MOVE + AFTER_MOVE; sequence++) {
                if (sequence == BEFORE_MOVE) {
                    mover.handle().moveToNewSocket();
                }
                mover.handle().send(ByteBuffer.allocate(4).putInt(0, sequence));
                // Paces the stream (one datagram every SEND_EVERY); nothing is waited for here.
                LockSupport.parkNanos(SEND_EVERY.toNanos());
            }
            await().until(() -> highest.get() == BEFORE_MOVE + AFTER_MOVE - 1);
            receiver.interrupt();
            moverReceiver.interrupt();

            assertEquals(BEFORE_MOVE, received.nextClearBit(0), "lost before the move");
            int firstAfter = received.nextSetBit(BEFORE_MOVE);
            int lost = firstAfter - BEFORE_MOVE;
            long allowed = keepalive.toNanos() / SEND_EVERY.toNanos();
            assertTrue(lost <= allowed, lost + " datagrams lost, more than one keepalive interval (" + allowed + ")");
            assertEquals(BEFORE_MOVE + AFTER_MOVE, received.nextClearBit(firstAfter), "lost after healing");
            assertTrue(mover.handle().rebinds() >= 1);
            assertTrue(relay.counter(RelayCounter.DROP_WRONG_SOURCE) >= 1, "the move was not noticed by the server");
            // The keepalive's PINGs from the new address before it binds again are wrong sources too.
            assertTrue(relay.counter(RelayCounter.DROP_WRONG_SOURCE) >= lost, "every lost datagram was a wrong source");
        }
    }

    /** Reads DATA and notes each sequence number until interrupted. */
    private static void receive(TestPeer listener, BitSet received, AtomicInteger highest) {
        DatagramPacket packet = new DatagramPacket(new byte[64], 64);
        try {
            while (!Thread.currentThread().isInterrupted()) {
                if (listener.handle().receive(packet, Duration.ofMillis(100)) && packet.getData()[0] == Datagram.DATA) {
                    int sequence = ByteBuffer.wrap(packet.getData()).getInt(Datagram.HEADER_BYTES);
                    synchronized (received) {
                        received.set(sequence);
                    }
                    highest.accumulateAndGet(sequence, Math::max);
                }
            }
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
