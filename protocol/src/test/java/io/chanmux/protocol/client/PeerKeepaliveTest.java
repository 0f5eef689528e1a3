package io.chanmux.protocol.client;

import io.chanmux.protocol.wire.Datagram;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.time.Duration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The keepalive's decisions with a manual clock: the test plays the relay on a loopback socket and
 * answers (or does not answer) what the keepalive sends.
 */
class PeerKeepaliveTest {
    private static final int PEER = 17;
    private static final byte[] TOKEN = "0123456789abcdef".getBytes();
    private static final long INTERVAL_NS = Duration.ofSeconds(1).toNanos();

    private DatagramChannel relay;
    private DatagramChannel client;
    private PeerKeepalive keepalive;
    private final ByteBuffer scratch = ByteBuffer.allocate(PeerKeepalive.SCRATCH_BYTES);
    private long now = 1_000_000_000_000L;

    @BeforeEach
    void setUp() throws IOException {
        relay = DatagramChannel.open().bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
        relay.configureBlocking(false);
        client = DatagramChannel.open().bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
        keepalive = new PeerKeepalive(PEER, TOKEN, (InetSocketAddress) relay.getLocalAddress(),
                Duration.ofNanos(INTERVAL_NS), now);
    }

    @AfterEach
    void tearDown() throws IOException {
        relay.close();
        client.close();
    }

    @Test
    void shouldBindThroughAChallengeThenPingEveryInterval() throws IOException {
        keepalive.tick(now, client, scratch);
        assertEquals(Datagram.BIND, relayReceives().get(0));

        assertTrue(received(challenge()), "a CHALLENGE is the keepalive's business");
        ByteBuffer confirm = relayReceives();
        assertEquals(Datagram.CONFIRM, confirm.get(0));
        assertEquals(Datagram.CONFIRM_BYTES, confirm.limit());
        assertTrue(received(header(Datagram.BIND_OK)));
        assertTrue(keepalive.isBound());

        long next = keepalive.tick(now, client, scratch);
        assertNull(relayReceivesNothing(), "a PING at once");
        assertTrue(next - now >= INTERVAL_NS / 2 && next - now <= INTERVAL_NS, "the first PING within the second half "
                + "of the interval, not " + (next - now) + " ns");
        now = next;
        keepalive.tick(now, client, scratch);
        ByteBuffer ping = relayReceives();
        assertEquals(Datagram.PING, ping.get(0));
        assertTrue(received(pong(ping.getLong(Datagram.HEADER_BYTES))), "its own PONG");
        assertFalse(received(pong(42)), "an application's PONG is the application's");
        assertEquals(0, keepalive.rebinds());
    }

    @Test
    void shouldBindAgainWhenTwoPingsInARowGoUnansweredAndBackOffItsRetries() throws IOException {
        bind();
        for (int i = 1; i <= 2; i++) {
            now += INTERVAL_NS;
            keepalive.tick(now, client, scratch);
            assertEquals(Datagram.PING, relayReceives().get(0), "PING " + i + " goes unanswered");
        }
        now += INTERVAL_NS / 2;
        keepalive.tick(now, client, scratch);
        assertNull(relayReceivesNothing(), "a lapse before the second PING had half an interval to come back");
        now += 1;
        keepalive.tick(now, client, scratch);

        assertEquals(Datagram.BIND, relayReceives().get(0), "a lapse of two intervals re-binds");
        assertFalse(keepalive.isBound());
        assertEquals(1, keepalive.rebinds());
        long firstRetry = INTERVAL_NS / 4;
        assertEquals(now + firstRetry, keepalive.tick(now, client, scratch), "nothing due before the first retry");
        now += firstRetry;
        assertEquals(now + 2 * firstRetry, keepalive.tick(now, client, scratch), "the next retry waits twice as long");
        assertEquals(Datagram.BIND, relayReceives().get(0));
        assertTrue(received(challenge()));
        assertEquals(Datagram.CONFIRM, relayReceives().get(0));
        assertTrue(received(header(Datagram.BIND_OK)));
        assertTrue(keepalive.isBound());
    }

    @Test
    void shouldBindAgainAtOnceWhenHinted() throws IOException {
        bind();
        keepalive.hint();

        keepalive.tick(now + 1, client, scratch);

        assertEquals(Datagram.BIND, relayReceives().get(0));
        assertEquals(1, keepalive.rebinds());
    }

    @Test
    void shouldIgnoreChallengesOnceBoundAndDatagramsForOtherPeers() throws IOException {
        bind();
        assertTrue(received(challenge()), "a late CHALLENGE, answering a resent BIND");
        assertNull(relayReceivesNothing(), "answered a CHALLENGE while bound");
        ByteBuffer other = ByteBuffer.allocate(Datagram.HEADER_BYTES);
        Datagram.putHeader(other, Datagram.BIND_OK, PEER + 1).flip();
        assertFalse(received(other));
        assertFalse(received(Datagram.encodeData(ByteBuffer.allocate(16), PEER, ByteBuffer.wrap(new byte[3]))));
    }

    @Test
    void shouldPingEverySixthOfThePeerTimeoutWithinBounds() {
        assertEquals(Duration.ofSeconds(5), PeerKeepalive.intervalFor(Duration.ofSeconds(30)));
        assertEquals(Duration.ofSeconds(10), PeerKeepalive.intervalFor(Duration.ofMinutes(5)));
        assertEquals(Duration.ofMillis(50), PeerKeepalive.intervalFor(Duration.ofMillis(100)));
        assertEquals(Duration.ofSeconds(5), PeerKeepalive.intervalFor(null));
    }

    private void bind() throws IOException {
        keepalive.tick(now, client, scratch);
        relayReceives();
        received(header(Datagram.BIND_OK));
        assertTrue(keepalive.isBound());
    }

    private boolean received(ByteBuffer datagram) throws IOException {
        return keepalive.onReceived(datagram, now, client, scratch);
    }

    private static ByteBuffer challenge() {
        return Datagram.encodeChallenge(ByteBuffer.allocate(Datagram.CHALLENGE_BYTES), PEER, new byte[16]);
    }

    private static ByteBuffer header(byte type) {
        return Datagram.putHeader(ByteBuffer.allocate(Datagram.HEADER_BYTES), type, PEER).flip();
    }

    private static ByteBuffer pong(long body) {
        return Datagram.putHeader(ByteBuffer.allocate(Datagram.PING_BYTES), Datagram.PONG, PEER).putLong(body).flip();
    }

    /** The datagram the keepalive sent; loopback delivers before send returns. */
    private ByteBuffer relayReceives() throws IOException {
        ByteBuffer datagram = relayReceivesNothing();
        if (datagram == null) {
            throw new AssertionError("the keepalive sent nothing");
        }
        return datagram;
    }

    private ByteBuffer relayReceivesNothing() throws IOException {
        ByteBuffer buffer = ByteBuffer.allocate(64);
        return relay.receive(buffer) == null ? null : buffer.flip();
    }
}
