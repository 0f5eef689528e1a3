package io.chanmux.server;

import io.chanmux.protocol.client.ChannelInfo;
import io.chanmux.protocol.wire.Datagram;
import io.chanmux.server.channel.RelayCounter;
import io.chanmux.server.config.Settings;
import io.chanmux.server.config.UdpEngine;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.net.DatagramPacket;
import java.net.InetAddress;
import java.time.Duration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code --udp-dont-fragment} seen from the wire, on the IPv6 loopback (MTU 65,536): a copy of the
 * largest datagram (65,507 bytes, 65,555 with its headers) must be fragmented to leave, so with the
 * option it is refused and counted, and without it arrives whole. In both engines, whose copies
 * leave through different calls ({@code send}, {@code sendmmsg}), and on the shared port too.
 */
@Timeout(60)
class DontFragmentRelayTest {
    private static final int LARGEST = 65_507;

    @ParameterizedTest(name = "{0}, shared port: {1}")
    @CsvSource({"VIRTUAL_THREADS, false", "POLL_LOOP, false", "VIRTUAL_THREADS, true", "POLL_LOOP, true"})
    void shouldRefuseAndCountACopyLargerThanTheInterfaceMtuInsteadOfFragmentingIt(UdpEngine engine, boolean sharedPort)
            throws Exception {
        try (TestRelay relay = start(engine, true, sharedPort)) {
            ChannelInfo channel = relay.client("owner").create();
            TestPeer a = relay.client("a").join(channel.channel());
            TestPeer b = relay.client("b").join(channel.channel());

            a.handle().send(new byte[LARGEST - Datagram.HEADER_BYTES]);
            relay.awaitCounter(RelayCounter.SEND_ERRORS, 1);
            a.send("small enough");
            assertEquals("small enough", b.receivePayload(), "the oversize copy was skipped, nothing else");
            assertTrue(b.nothingPending());
        }
    }

    @ParameterizedTest(name = "{0}, shared port: {1}")
    @CsvSource({"VIRTUAL_THREADS, false", "POLL_LOOP, false", "VIRTUAL_THREADS, true", "POLL_LOOP, true"})
    void shouldFragmentTheSameCopyWhenNotAsked(UdpEngine engine, boolean sharedPort) throws Exception {
        try (TestRelay relay = start(engine, false, sharedPort)) {
            ChannelInfo channel = relay.client("owner").create();
            TestPeer a = relay.client("a").join(channel.channel());
            TestPeer b = relay.client("b").join(channel.channel());

            a.handle().send(new byte[LARGEST - Datagram.HEADER_BYTES]);
            DatagramPacket packet = new DatagramPacket(new byte[65_536], 65_536);
            assertTrue(b.handle().receive(packet, Duration.ofSeconds(5)), "no copy arrived");
            assertEquals(LARGEST, packet.getLength());
            assertEquals(0, relay.counter(RelayCounter.SEND_ERRORS));
        }
    }

    private static TestRelay start(UdpEngine engine, boolean dontFragment, boolean sharedPort) {
        return TestRelay.start(b -> (sharedPort ? b.set(Settings.UDP_PORT, 0) : b).set(Settings.BIND, InetAddress.ofLiteral("::1"))
                .set(Settings.UDP_ENGINE, engine).set(Settings.UDP_DONT_FRAGMENT, dontFragment)
                .set(Settings.MAX_DATAGRAM, LARGEST).set(Settings.PEER_RATE_BYTES, 4 * LARGEST));
    }
}
