package io.chanmux.server;

import io.chanmux.protocol.client.ChannelInfo;
import io.chanmux.protocol.client.PeerHandle;
import io.chanmux.protocol.wire.Datagram;
import io.chanmux.server.channel.RelayCounter;
import io.chanmux.server.config.Settings;
import io.chanmux.server.config.UdpEngine;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.CsvSource;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.time.Duration;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Datagrams the relay must drop and count, never forward or answer, while valid traffic in the
 * same channel keeps flowing.
 */
@Timeout(60)
@ParameterizedClass(name = "{0}, shared port: {1}")
@CsvSource({"VIRTUAL_THREADS, false", "VIRTUAL_THREADS, true", "POLL_LOOP, false", "POLL_LOOP, true"})
class HostileDatagramTest {
    private static final int MAX_DATAGRAM = 200;

    private final TestRelay relay;
    private TestPeer alice;
    private TestPeer bob;
    private PeerHandle unbound;
    private DatagramChannel stranger;
    private InetSocketAddress channelPort;

    HostileDatagramTest(UdpEngine engine, boolean sharedPort) {
        relay = TestRelay.start(b -> (sharedPort ? b.set(Settings.UDP_PORT, 0) : b).set(Settings.UDP_ENGINE, engine)
                .set(Settings.MAX_DATAGRAM, MAX_DATAGRAM));
    }

    @BeforeEach
    void setUp() throws IOException {
        ChannelInfo channel = relay.client("owner").create();
        alice = relay.client("alice").join(channel.channel());
        bob = relay.client("bob").join(channel.channel());
        unbound = relay.client("unbound").control().join(channel.channel());
        channelPort = alice.handle().relayAddress();
        stranger = DatagramChannel.open().connect(channelPort);
    }

    @AfterEach
    void stop() throws IOException {
        stranger.close();
        relay.close();
    }

    @Test
    void shouldDropAndCountDataFromAnUnboundPeer() throws Exception {
        unbound.send("sneaky".getBytes());
        assertDroppedWhileValidTrafficFlows(RelayCounter.DROP_NOT_BOUND);
    }

    @Test
    void shouldDropAndCountDataWithABoundPeersIdFromAnotherAddress() throws Exception {
        strangerSends(Datagram.encodeData(ByteBuffer.allocate(64), alice.id(), ByteBuffer.wrap("spoof".getBytes())));
        assertDroppedWhileValidTrafficFlows(RelayCounter.DROP_WRONG_SOURCE);
    }

    @Test
    void shouldDropAndNeverAnswerABindWithAWrongToken() throws Exception {
        byte[] wrong = alice.handle().token();
        wrong[15] ^= 1;
        strangerSends(Datagram.encodeBind(ByteBuffer.allocate(Datagram.BIND_BYTES), alice.id(), wrong));
        assertDroppedWhileValidTrafficFlows(RelayCounter.DROP_BAD_TOKEN);
    }

    @Test
    void shouldDropAndCountATruncatedDatagram() throws Exception {
        strangerSends(ByteBuffer.wrap(new byte[] {Datagram.DATA, 0, 0}));
        assertDroppedWhileValidTrafficFlows(RelayCounter.DROP_TOO_SHORT);
    }

    @Test
    void shouldDropAndCountADatagramOverTheSizeLimit() throws Exception {
        alice.handle().send(new byte[MAX_DATAGRAM - Datagram.HEADER_BYTES + 1]);
        assertDroppedWhileValidTrafficFlows(RelayCounter.DROP_OVERSIZE);
    }

    @Test
    void shouldForwardADatagramExactlyAtTheSizeLimit() throws Exception {
        alice.handle().send(new byte[MAX_DATAGRAM - Datagram.HEADER_BYTES]);
        byte[] got = bob.receive(Duration.ofSeconds(5));
        assertEquals(MAX_DATAGRAM, got.length);
    }

    @Test
    void shouldDropAndCountAnUnknownTypeAndAnUnknownPeer() throws Exception {
        strangerSends(Datagram.putHeader(ByteBuffer.allocate(16), (byte) 0x7f, alice.id()).flip());
        strangerSends(Datagram.encodeData(ByteBuffer.allocate(16), 999_999, ByteBuffer.wrap(new byte[3])));
        assertDroppedWhileValidTrafficFlows(RelayCounter.DROP_UNKNOWN_TYPE);
        relay.awaitCounter(RelayCounter.DROP_UNKNOWN_PEER, 1);
    }

    @Test
    void shouldDropAndCountAPingWithTheWrongLength() throws Exception {
        alice.handle().datagramChannel().write(
                Datagram.putHeader(ByteBuffer.allocate(16), Datagram.PING, alice.id()).putShort((short) 1).flip());
        assertDroppedWhileValidTrafficFlows(RelayCounter.DROP_BAD_LENGTH);
    }

    private void strangerSends(ByteBuffer datagram) throws IOException {
        stranger.write(datagram);
    }

    /**
     * The bad datagram went first, so once the counter moved and a valid datagram sent after it
     * arrived, anything the relay forwarded or answered is already in the sockets.
     */
    private void assertDroppedWhileValidTrafficFlows(RelayCounter reason) throws Exception {
        await().atMost(Duration.ofSeconds(5)).until(() -> relay.counter(reason) == 1);
        alice.send("valid");
        assertEquals("valid", bob.receivePayload());
        assertTrue(bob.nothingPending(), "the dropped datagram reached bob");
        assertTrue(alice.nothingPending(), "something came back to alice");
        assertTrue(noReply(), "the stranger got an answer");
        relay.awaitCounter(RelayCounter.FORWARDED, 1);
        long drops = 0;
        for (RelayCounter c : RelayCounter.values()) {
            if (c.isDrop()) {
                drops += relay.counter(c);
            }
        }
        assertTrue(drops >= 1);
    }

    private boolean noReply() throws IOException {
        stranger.configureBlocking(false);
        try {
            return stranger.receive(ByteBuffer.allocate(64)) == null;
        } finally {
            stranger.configureBlocking(true);
        }
    }
}
