package io.chanmux.server;

import io.chanmux.protocol.client.ChannelInfo;
import io.chanmux.protocol.wire.Datagram;
import io.chanmux.server.channel.RelayCounter;
import io.chanmux.server.config.Settings;
import io.chanmux.server.config.UdpEngine;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.IOException;
import java.net.DatagramPacket;
import java.net.InetAddress;
import java.time.Duration;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.params.provider.Arguments.arguments;

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
    @MethodSource("enginesAndPortKinds")
    void shouldRefuseAndCountACopyLargerThanTheInterfaceMtuInsteadOfFragmentingIt(UdpEngine engine, boolean sharedPort)
            throws Exception {
        try (TestRelay relay = start(engine, true, sharedPort)) {
            ChannelInfo channel = relay.client("owner").create();
            TestPeer a = relay.client("a").join(channel.channel());
            TestPeer b = relay.client("b").join(channel.channel());

            sendLargest(a);
            relay.awaitCounter(RelayCounter.SEND_ERRORS, 1);
            a.send("small enough");
            assertEquals("small enough", b.receivePayload(), "the oversize copy was skipped, nothing else");
            assertTrue(b.nothingPending());
        }
    }

    @ParameterizedTest(name = "{0}, shared port: {1}")
    @MethodSource("enginesAndPortKinds")
    void shouldFragmentTheSameCopyWhenNotAsked(UdpEngine engine, boolean sharedPort) throws Exception {
        try (TestRelay relay = start(engine, false, sharedPort)) {
            ChannelInfo channel = relay.client("owner").create();
            TestPeer a = relay.client("a").join(channel.channel());
            TestPeer b = relay.client("b").join(channel.channel());

            sendLargest(a);
            DatagramPacket packet = new DatagramPacket(new byte[65_536], 65_536);
            assertTrue(b.handle().receive(packet, Duration.ofSeconds(5)), "no copy arrived");
            assertEquals(LARGEST, packet.getLength());
            assertEquals(0, relay.counter(RelayCounter.SEND_ERRORS));
        }
    }

    /** Every engine, with a port per channel and with the shared port. */
    static Stream<Arguments> enginesAndPortKinds() {
        return Stream.of(UdpEngine.values()).flatMap(engine -> Stream.of(arguments(engine, false), arguments(engine, true)));
    }

    /** The largest datagram {@link #start} lets in: its copy needs 65,555 bytes on the wire. */
    private static void sendLargest(TestPeer sender) throws IOException {
        sender.handle().send(new byte[LARGEST - Datagram.HEADER_BYTES]);
    }

    private static TestRelay start(UdpEngine engine, boolean dontFragment, boolean sharedPort) {
        return TestRelay.start(b -> (sharedPort ? b.set(Settings.UDP_PORT, 0) : b).set(Settings.BIND, InetAddress.ofLiteral("::1"))
                .set(Settings.UDP_ENGINE, engine).set(Settings.UDP_DONT_FRAGMENT, dontFragment)
                .set(Settings.MAX_DATAGRAM, LARGEST).set(Settings.PEER_RATE_BYTES, 4 * LARGEST));
    }
}
