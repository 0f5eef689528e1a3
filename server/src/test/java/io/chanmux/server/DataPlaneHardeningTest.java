package io.chanmux.server;

import io.chanmux.protocol.client.ChannelInfo;
import io.chanmux.protocol.wire.Datagram;
import io.chanmux.server.channel.RelayCounter;
import io.chanmux.server.config.Settings;
import io.chanmux.server.config.UdpEngine;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.EnumSource;

import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.time.Duration;
import java.util.Random;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

@Timeout(60)
@ParameterizedClass(name = "{0}")
@EnumSource(UdpEngine.class)
class DataPlaneHardeningTest {
    private final UdpEngine engine;

    DataPlaneHardeningTest(UdpEngine engine) {
        this.engine = engine;
    }

    @Test
    void shouldDropAndCountWhatAPeerSendsOverItsPacketRate() throws Exception {
        try (TestRelay relay = TestRelay.start(b -> b.set(Settings.UDP_ENGINE, engine).set(Settings.PEER_RATE_PPS, 20))) {
            ChannelInfo channel = relay.client("owner").create();
            TestPeer fast = relay.client("fast").join(channel.channel());
            TestPeer listener = relay.client("listener").join(channel.channel());

            long started = System.nanoTime();
            new RateLimitedTraffic(fast, listener, relay::counter, 20).send(200);
            double seconds = (System.nanoTime() - started) / 1e9;

            long forwarded = relay.counter(RelayCounter.FORWARDED);
            // The bucket starts full (20, minus the CONFIRM) and refills at 20/s while we send.
            assertTrue(forwarded <= 20 + Math.ceil(seconds * 20) + 1, "forwarded " + forwarded + " in " + seconds + " s");
            assertTrue(forwarded < 200, "nothing was rate limited");
            assertEquals(200 - forwarded, relay.counter(RelayCounter.DROP_RATE_LIMITED));
        }
    }

    @Test
    void shouldDropWhatAPeerSendsOverItsByteRate() throws Exception {
        try (TestRelay relay = TestRelay.start(b -> b.set(Settings.UDP_ENGINE, engine).set(Settings.PEER_RATE_BYTES, 10_000))) {
            ChannelInfo channel = relay.client("owner").create();
            TestPeer fat = relay.client("fat").join(channel.channel());
            relay.client("listener").join(channel.channel());

            for (int i = 0; i < 20; i++) {
                fat.handle().send(new byte[1400]);
            }

            await().until(() -> relay.counter(RelayCounter.FORWARDED) + relay.counter(RelayCounter.DROP_RATE_LIMITED)
                    >= 20);
            assertTrue(relay.counter(RelayCounter.DROP_RATE_LIMITED) >= 12,
                    "dropped " + relay.counter(RelayCounter.DROP_RATE_LIMITED));
        }
    }

    @Test
    void shouldKeepForwardingToOthersWhenOnePeersSocketIsGone() throws Exception {
        try (TestRelay relay = TestRelay.start(b -> b.set(Settings.UDP_ENGINE, engine))) {
            ChannelInfo channel = relay.client("owner").create();
            TestPeer sender = relay.client("sender").join(channel.channel());
            TestPeer gone = relay.client("gone").join(channel.channel());
            TestPeer alive = relay.client("alive").join(channel.channel());
            gone.close(); // still a member, but its port now answers with ICMP port unreachable

            for (int i = 0; i < 300; i++) {
                sender.send("m" + i);
                assertEquals("m" + i, alive.receivePayload());
            }
            sender.send("still-alive");
            assertEquals("still-alive", alive.receivePayload());
        }
    }

    @Test
    void shouldNeverAnswerAStrangerAndAnswerValidRequestsAtMostOnce() throws Exception {
        try (TestRelay relay = TestRelay.start(b -> b.set(Settings.UDP_ENGINE, engine).set(Settings.PEER_RATE_PPS, 100_000)
                .set(Settings.PEER_RATE_BYTES, 100_000_000));
             DatagramChannel stranger = DatagramChannel.open()) {
            ChannelInfo channel = relay.client("owner").create();
            TestPeer alice = relay.client("alice").join(channel.channel());
            TestPeer bob = relay.client("bob").join(channel.channel());
            // Every datagram is counted here: no keepalive PINGs of their own.
            alice.handle().stopKeepalive();
            bob.handle().stopKeepalive();
            stranger.connect(alice.handle().relayAddress());
            Random random = new Random(7);
            int hostile = 3000;
            for (int i = 0; i < hostile; i++) {
                byte[] datagram = new byte[1 + random.nextInt(40)];
                random.nextBytes(datagram);
                if (i % 3 == 0) {
                    // Aim at real peers with plausible types so the deeper checks run too.
                    datagram = new byte[i % 2 == 0 ? Datagram.BIND_BYTES : Datagram.PING_BYTES];
                    random.nextBytes(datagram);
                    ByteBuffer.wrap(datagram).put((byte) (i % 2 == 0 ? Datagram.BIND : Datagram.PING))
                            .putInt(i % 6 == 0 ? alice.id() : bob.id());
                }
                stranger.write(ByteBuffer.wrap(datagram));
                if (i % 100 == 99) {
                    // Let the relay drain its socket so the kernel drops none of them.
                    int sent = i + 1;
                    await().until(() -> relay.counter(RelayCounter.DATAGRAMS_IN) >= sent);
                }
            }
            for (int i = 0; i < 50; i++) {
                alice.handle().sendPing(i);
            }
            for (int i = 0; i < 50; i++) {
                byte[] pong = alice.receive(Duration.ofSeconds(5));
                assertEquals(Datagram.PONG, pong[0]);
            }

            await().until(() -> drops(relay) == hostile);
            stranger.configureBlocking(false);
            assertNull(stranger.receive(ByteBuffer.allocate(64)), "the stranger was answered");
            assertTrue(alice.nothingPending());
            assertTrue(bob.nothingPending());
            // Alice's 50 PINGs, and any of the keepalives' (whose PONGs the handles keep to themselves).
            await().until(() -> relay.counter(RelayCounter.PONGS) >= 50);
            // Their own binds, and BINDs from their own addresses after the rebind hints that the forged
            // PINGs bearing their ids drew: all answered at those addresses, none to the stranger.
            assertTrue(relay.counter(RelayCounter.BIND_OK) >= 2);
            assertEquals(0, relay.counter(RelayCounter.FORWARDED));
        }
    }

    private static long drops(TestRelay relay) {
        long drops = 0;
        for (RelayCounter c : RelayCounter.values()) {
            drops += c.isDrop() ? relay.counter(c) : 0;
        }
        return drops;
    }
}
