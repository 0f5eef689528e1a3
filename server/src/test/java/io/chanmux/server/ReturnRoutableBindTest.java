package io.chanmux.server;

import io.chanmux.protocol.client.ChannelInfo;
import io.chanmux.protocol.client.PeerHandle;
import io.chanmux.protocol.wire.Datagram;
import io.chanmux.server.channel.BindCookies;
import io.chanmux.server.channel.PeerRateLimit;
import io.chanmux.server.channel.RelayCounter;
import io.chanmux.server.channel.SourceChallengeLimits;
import io.chanmux.server.config.Settings;
import io.chanmux.server.config.UdpEngine;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.EnumSource;

import java.io.IOException;
import java.net.DatagramPacket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Protocol 2's return-routable binding on real sockets: a BIND binds nothing until its source has
 * echoed the server's cookie, so a forged source address gets one CHALLENGE of the BIND's size and
 * never the channel's traffic.
 */
@Timeout(60)
@ParameterizedClass(name = "{0}")
@EnumSource(UdpEngine.class)
class ReturnRoutableBindTest {
    /** Moved by tests that need a cookie to expire; the server sees the system clock plus this. */
    private final AtomicLong clockOffsetNs = new AtomicLong();
    private final TestRelay relay;
    private final ChannelInfo channel;
    private final List<DatagramChannel> sockets = new ArrayList<>();

    ReturnRoutableBindTest(UdpEngine engine) {
        relay = TestRelay.start(b -> b.set(Settings.UDP_ENGINE, engine), () -> System.nanoTime() + clockOffsetNs.get());
        channel = createChannel();
    }

    @AfterEach
    void stop() throws IOException {
        for (DatagramChannel socket : sockets) {
            socket.close();
        }
        relay.close();
    }

    @Test
    void shouldSendTheVictimOnlyChallengesWhenAnAttackerBindsItsOtherPeersToTheVictimsAddress() throws Exception {
        TestPeer alice = relay.client("alice").join(channel.channel());
        TestPeer attacker = relay.client("attacker-0").join(channel.channel());
        List<PeerHandle> attackersOthers = new ArrayList<>();
        for (int i = 1; i <= 4; i++) {
            attackersOthers.add(relay.client("attacker-" + i).control().join(channel.channel()));
        }
        // The attacker forges the victim's source address: modelled by emitting the BINDs from the
        // victim's own socket, which never answers a CHALLENGE.
        DatagramChannel victim = socket();
        long answeredBefore = relay.counter(RelayCounter.CHALLENGES) + relay.counter(RelayCounter.DROP_CHALLENGE_LIMITED);
        long bytesFromVictim = 0;
        for (int round = 0; round < 3; round++) {
            for (PeerHandle other : attackersOthers) {
                bytesFromVictim += victim.send(bind(other), alice.handle().relayAddress());
            }
            alice.send("round-" + round);
            // Fan-out of this DATA is done once the attacker has it, and anything sent to the
            // victim before it (on loopback) is already in the victim's socket.
            assertEquals("round-" + round, attacker.receivePayload());
        }

        List<byte[]> received = drain(victim);
        long bytesToVictim = received.stream().mapToLong(d -> d.length).sum();
        for (byte[] datagram : received) {
            assertEquals(Datagram.CHALLENGE, datagram[0], "the victim got something other than a CHALLENGE");
            assertEquals(Datagram.CHALLENGE_BYTES, datagram.length);
        }
        assertTrue(received.size() >= 1, "the BINDs were not answered at all");
        assertTrue(received.size() <= SourceChallengeLimits.BURST, received.size() + " challenges to one address");
        assertTrue(bytesToVictim <= bytesFromVictim, bytesToVictim + " bytes out for " + bytesFromVictim + " in");
        for (PeerHandle other : attackersOthers) {
            assertNull(boundAddress(other.peer()), "peer " + other.peer() + " was bound without a CONFIRM");
        }
        relay.awaitCounter(RelayCounter.FORWARDED, 3);
        assertEquals(12, relay.counter(RelayCounter.CHALLENGES) + relay.counter(RelayCounter.DROP_CHALLENGE_LIMITED)
                - answeredBefore, "every forged BIND was challenged or counted as over the limit");
    }

    @Test
    void shouldBindThroughChallengeAndConfirmAndThenRelayWhenAClientJoins() throws Exception {
        TestPeer bob = relay.client("bob").join(channel.channel());
        PeerHandle alice = relay.client("alice").control().join(channel.channel());
        DatagramChannel udp = alice.datagramChannel();

        udp.write(bind(alice));
        byte[] challenge = receive(udp);
        assertEquals(Datagram.CHALLENGE_BYTES, challenge.length);
        assertEquals(Datagram.CHALLENGE, challenge[0]);
        assertEquals(alice.peer(), TestPeer.senderOf(challenge));
        assertNull(boundAddress(alice.peer()), "a BIND from a new address bound it");

        udp.write(Datagram.encodeData(ByteBuffer.allocate(64), alice.peer(), ByteBuffer.wrap("early".getBytes())));
        relay.awaitCounter(RelayCounter.DROP_NOT_BOUND, 1);

        udp.write(confirm(alice, challenge));
        byte[] bindOk = receive(udp);
        assertArrayEquals(Datagram.putHeader(ByteBuffer.allocate(5), Datagram.BIND_OK, alice.peer()).array(), bindOk);
        assertEquals(alice.localAddress().getPort(), boundAddress(alice.peer()).getPort());

        alice.send("hello".getBytes());
        assertEquals("hello", bob.receivePayload());
        bob.send("hi");
        assertEquals("hi", payloadOf(receive(udp)));
    }

    @Test
    void shouldAnswerBindOkWithoutAChallengeWhenTheBoundAddressBindsAgain() throws Exception {
        TestPeer alice = relay.client("alice").join(channel.channel());
        alice.handle().stopKeepalive(); // this test sends the BIND itself
        // The channel thread counts a BIND_OK just after sending it: let the join's own be counted first.
        org.awaitility.Awaitility.await().until(() -> relay.counter(RelayCounter.BIND_OK) >= 1);
        long challenges = relay.counter(RelayCounter.CHALLENGES);
        long bindOks = relay.counter(RelayCounter.BIND_OK);

        alice.handle().datagramChannel().write(bind(alice.handle()));

        byte[] reply = receive(alice.handle().datagramChannel());
        assertEquals(Datagram.BIND_OK, reply[0]);
        assertEquals(Datagram.HEADER_BYTES, reply.length);
        relay.awaitCounter(RelayCounter.BIND_OK, bindOks + 1);
        assertEquals(challenges, relay.counter(RelayCounter.CHALLENGES));
    }

    @Test
    void shouldMoveTheBindingOnlyAfterTheConfirmWhenAPeerComesFromANewAddress() throws Exception {
        PeerHandle moving = relay.client("mobile").control().join(channel.channel());
        moving.bind(Duration.ofSeconds(5));
        moving.stopKeepalive(); // this test moves the binding itself
        TestPeer other = relay.client("other").join(channel.channel());
        DatagramChannel oldSocket = moving.datagramChannel();
        DatagramChannel newSocket = socketTo(moving.relayAddress());

        // As after a NAT rebinding: same peer and token, new source port.
        newSocket.write(bind(moving));
        byte[] challenge = receive(newSocket);
        assertEquals(Datagram.CHALLENGE, challenge[0]);
        other.send("still-old");
        assertEquals("still-old", payloadOf(receive(oldSocket)), "the binding moved before the CONFIRM");

        newSocket.write(confirm(moving, challenge));
        assertEquals(Datagram.BIND_OK, receive(newSocket)[0]);
        other.send("to-new");
        assertEquals("to-new", payloadOf(receive(newSocket)));
        assertTrue(drain(oldSocket).isEmpty(), "the old address still gets the channel's traffic");

        long wrongSource = relay.counter(RelayCounter.DROP_WRONG_SOURCE);
        moving.send("from-old".getBytes());
        relay.awaitCounter(RelayCounter.DROP_WRONG_SOURCE, wrongSource + 1);
        newSocket.write(Datagram.encodeData(ByteBuffer.allocate(64), moving.peer(), ByteBuffer.wrap("from-new".getBytes())));
        assertEquals("from-new", other.receivePayload());
        assertTrue(other.nothingPending(), "DATA from the old address was forwarded");
    }

    @Test
    void shouldDropAndCountAConfirmWithAWrongCookieWrongTokenOrFromAnotherAddress() throws Exception {
        PeerHandle alice = relay.client("alice").control().join(channel.channel());
        DatagramChannel udp = alice.datagramChannel();
        udp.write(bind(alice));
        byte[] challenge = receive(udp);

        ByteBuffer flippedCookie = confirm(alice, challenge);
        flippedCookie.put(Datagram.CONFIRM_BYTES - 1, (byte) (flippedCookie.get(Datagram.CONFIRM_BYTES - 1) ^ 1));
        udp.write(flippedCookie);
        relay.awaitCounter(RelayCounter.DROP_BAD_COOKIE, 1);

        ByteBuffer wrongToken = confirm(alice, challenge);
        wrongToken.put(Datagram.HEADER_BYTES, (byte) (wrongToken.get(Datagram.HEADER_BYTES) ^ 1));
        long badTokens = relay.counter(RelayCounter.DROP_BAD_TOKEN);
        udp.write(wrongToken);
        relay.awaitCounter(RelayCounter.DROP_BAD_TOKEN, badTokens + 1);

        DatagramChannel elsewhere = socketTo(alice.relayAddress());
        elsewhere.write(confirm(alice, challenge));
        relay.awaitCounter(RelayCounter.DROP_BAD_COOKIE, 2);

        assertNull(boundAddress(alice.peer()), "a bad CONFIRM bound the peer");
        assertTrue(drain(udp).isEmpty(), "a bad CONFIRM was answered");
        assertTrue(drain(elsewhere).isEmpty(), "a CONFIRM from another address was answered");

        udp.write(confirm(alice, challenge));
        assertEquals(Datagram.BIND_OK, receive(udp)[0], "the good CONFIRM after the bad ones");
    }

    @Test
    void shouldDropAReplayedConfirmOnceItsCookieHasExpired() throws Exception {
        TestPeer bob = relay.client("bob").join(channel.channel());
        PeerHandle alice = relay.client("alice").control().join(channel.channel());
        DatagramChannel first = alice.datagramChannel();
        first.write(bind(alice));
        ByteBuffer captured = confirm(alice, receive(first));
        first.write(captured.duplicate());
        assertEquals(Datagram.BIND_OK, receive(first)[0]);
        DatagramChannel second = socketTo(alice.relayAddress());
        second.write(bind(alice));
        second.write(confirm(alice, receive(second)));
        assertEquals(Datagram.BIND_OK, receive(second)[0]);

        clockOffsetNs.addAndGet(2 * BindCookies.SLOT_NS);
        first.write(captured.duplicate());

        relay.awaitCounter(RelayCounter.DROP_BAD_COOKIE, 1);
        assertEquals(((InetSocketAddress) second.getLocalAddress()).getPort(), boundAddress(alice.peer()).getPort(),
                "the replay moved the binding back");
        bob.send("to-second");
        assertEquals("to-second", payloadOf(receive(second)));
        assertTrue(drain(first).isEmpty(), "the replaying address was answered or forwarded to");
    }

    @Test
    void shouldKeepChallengesWithinThePeersBudgetWhenBindsFloodFromManySourcePorts() throws Exception {
        PeerHandle target = relay.client("target").control().join(channel.channel());
        int ports = 40;
        int bindsPerPort = 5;
        List<DatagramChannel> flood = new ArrayList<>();
        for (int i = 0; i < ports; i++) {
            flood.add(socketTo(target.relayAddress()));
        }
        long started = System.nanoTime();
        for (int round = 0; round < bindsPerPort; round++) {
            for (DatagramChannel socket : flood) {
                socket.write(bind(target));
            }
        }
        int sent = ports * bindsPerPort;
        // A CHALLENGE is counted just after its send: wait for the answers, not the reads.
        await().until(() -> relay.counter(RelayCounter.CHALLENGES) + relay.counter(RelayCounter.DROP_CHALLENGE_LIMITED)
                >= sent);
        double seconds = (System.nanoTime() - started) / 1e9;

        long challenges = relay.counter(RelayCounter.CHALLENGES);
        assertEquals(sent, challenges + relay.counter(RelayCounter.DROP_CHALLENGE_LIMITED));
        assertTrue(challenges <= PeerRateLimit.CHALLENGE_BURST + Math.ceil(seconds * PeerRateLimit.CHALLENGES_PER_SECOND) + 1,
                challenges + " challenges in " + seconds + " s");
        long replies = 0;
        for (DatagramChannel socket : flood) {
            for (byte[] datagram : drain(socket)) {
                assertEquals(Datagram.CHALLENGE, datagram[0]);
                replies++;
            }
        }
        assertEquals(challenges, replies);
        assertNull(boundAddress(target.peer()));
    }

    @Test
    void shouldStillChallengeAnotherPeerWhenOnePeerFloodsBindsFromHundredsOfItsOwnPorts() throws Exception {
        // An attacker's own peer, BINDing from 300 ports, must not drain the shared per-source buckets.
        PeerHandle attacker = relay.client("attacker").control().join(channel.channel());
        List<DatagramChannel> ports = new ArrayList<>();
        for (int i = 0; i < 300; i++) {
            ports.add(socketTo(attacker.relayAddress()));
        }
        long datagramsIn = relay.counter(RelayCounter.DATAGRAMS_IN);
        int rounds = 4; // 1,200 BINDs: more than the 64 buckets' bursts of 8 hold
        for (int round = 0; round < rounds; round++) {
            for (DatagramChannel socket : ports) {
                socket.write(bind(attacker));
            }
        }
        await().until(() -> relay.counter(RelayCounter.DATAGRAMS_IN) - datagramsIn >= rounds * ports.size());

        PeerHandle victim = relay.client("victim").control().join(channel.channel());
        victim.datagramChannel().write(bind(victim));
        assertEquals(Datagram.CHALLENGE, receive(victim.datagramChannel())[0], "the victim was not challenged");
        for (DatagramChannel socket : ports) {
            socket.close();
        }
    }

    @Test
    void shouldLimitChallengesToOneAddressWhateverPeersTheBindsName() throws Exception {
        List<PeerHandle> peers = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            peers.add(relay.client("p" + i).control().join(channel.channel()));
        }
        DatagramChannel source = socketTo(peers.getFirst().relayAddress());
        int sent = 0;
        long started = System.nanoTime();
        for (int round = 0; round < 5; round++) {
            for (PeerHandle peer : peers) {
                source.write(bind(peer));
                sent++;
            }
        }
        int total = sent;
        await().until(() -> relay.counter(RelayCounter.CHALLENGES) + relay.counter(RelayCounter.DROP_CHALLENGE_LIMITED)
                >= total);
        double seconds = (System.nanoTime() - started) / 1e9;

        int received = drain(source).size();
        assertTrue(received <= SourceChallengeLimits.BURST + Math.ceil(seconds * SourceChallengeLimits.CHALLENGES_PER_SECOND)
                + 1, received + " challenges to one address in " + seconds + " s");
        assertTrue(received < total, "nothing was limited");
        assertEquals(received, relay.counter(RelayCounter.CHALLENGES));
    }

    // ---- helpers ------------------------------------------------------------------------------

    private ChannelInfo createChannel() {
        try {
            return relay.client("owner").create();
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private DatagramChannel socket() throws IOException {
        DatagramChannel socket = DatagramChannel.open().bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
        sockets.add(socket);
        return socket;
    }

    private DatagramChannel socketTo(InetSocketAddress channelPort) throws IOException {
        return socket().connect(channelPort);
    }

    private InetSocketAddress boundAddress(int peer) {
        return relay.server().directory().find(channel.channel()).relay().peers().find(peer).address();
    }

    private static ByteBuffer bind(PeerHandle peer) {
        return Datagram.encodeBind(ByteBuffer.allocate(Datagram.BIND_BYTES), peer.peer(), peer.token());
    }

    private static ByteBuffer confirm(PeerHandle peer, byte[] challenge) {
        return Datagram.encodeConfirm(ByteBuffer.allocate(Datagram.CONFIRM_BYTES), peer.peer(), peer.token(),
                ByteBuffer.wrap(challenge));
    }

    private static String payloadOf(byte[] datagram) {
        assertEquals(Datagram.DATA, datagram[0]);
        return new String(datagram, Datagram.HEADER_BYTES, datagram.length - Datagram.HEADER_BYTES);
    }

    /** The next datagram on {@code udp}; fails after 5 s. */
    private static byte[] receive(DatagramChannel udp) throws IOException {
        byte[] datagram = receive(udp, Duration.ofSeconds(5));
        assertNotNull(datagram, "nothing arrived within 5 s");
        return datagram;
    }

    private static byte[] receive(DatagramChannel udp, Duration timeout) throws IOException {
        DatagramPacket packet = new DatagramPacket(new byte[2048], 2048);
        udp.socket().setSoTimeout((int) timeout.toMillis());
        try {
            udp.socket().receive(packet);
            return Arrays.copyOf(packet.getData(), packet.getLength());
        } catch (SocketTimeoutException e) {
            return null;
        }
    }

    /**
     * Every datagram waiting on {@code udp}. On loopback a datagram is in the receiver's buffer
     * before the sender's call returns, so after a later event was observed this sees it all.
     */
    private static List<byte[]> drain(DatagramChannel udp) throws IOException {
        List<byte[]> datagrams = new ArrayList<>();
        for (byte[] d; (d = receive(udp, Duration.ofMillis(1))) != null; ) {
            datagrams.add(d);
        }
        return datagrams;
    }
}
