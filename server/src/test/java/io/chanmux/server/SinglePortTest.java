package io.chanmux.server;

import io.chanmux.server.config.Settings;
import com.fasterxml.jackson.databind.JsonNode;
import io.chanmux.protocol.client.ChanmuxClient;
import io.chanmux.protocol.client.ChanmuxException;
import io.chanmux.protocol.client.ChannelInfo;
import io.chanmux.protocol.client.CreateOptions;
import io.chanmux.protocol.control.ControlCodec;
import io.chanmux.protocol.control.ErrorCode;
import io.chanmux.protocol.wire.Datagram;
import io.chanmux.server.channel.RelayCounter;
import io.chanmux.server.config.UdpEngine;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.EnumSource;

import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Single-port mode ({@code --udp-port}): every channel on one UDP port, peers told apart by the
 * peer id in each datagram. Two pools, so on Linux the port has two {@code SO_REUSEPORT} sockets
 * and peers of one channel land on either. With each engine: the port's sockets read by virtual
 * threads, or by the pools' poll loops.
 */
@Timeout(60)
@ParameterizedClass(name = "{0}")
@EnumSource(UdpEngine.class)
class SinglePortTest {
    private static final String ADMIN = "admin-pass";
    private final UdpEngine engine;

    SinglePortTest(UdpEngine engine) {
        this.engine = engine;
    }

    @Test
    void shouldRelayBetweenIpv4AndIpv6PeersOfOneChannelAndKeepChannelsApartWhenAllShareOnePortOnTheWildcard()
            throws Exception {
        try (TestRelay relay = TestRelay.start(b -> b.set(Settings.UDP_ENGINE, engine).set(Settings.BIND, InetAddress.ofLiteral("::")).set(Settings.UDP_PORT, 0))) {
            int port = relay.server().directory().sharedUdpPort();
            InetSocketAddress v4 = new InetSocketAddress(InetAddress.ofLiteral("127.0.0.1"), relay.control().getPort());
            InetSocketAddress v6 = new InetSocketAddress(InetAddress.ofLiteral("::1"), relay.control().getPort());
            ChannelInfo first = TestClient.connect(v4, "owner-v4").create();
            ChannelInfo second = TestClient.connect(v6, "owner-v6").create();
            assertEquals(port, first.port(), "created over IPv4");
            assertEquals(port, second.port(), "created over IPv6");

            TestPeer a4 = TestClient.connect(v4, "a4").join(first.channel());
            TestPeer a6 = TestClient.connect(v6, "a6").join(first.channel());
            TestPeer b4 = TestClient.connect(v4, "b4").join(second.channel());
            TestPeer b6 = TestClient.connect(v6, "b6").join(second.channel());
            assertInstanceOf(Inet4Address.class, a4.handle().relayAddress().getAddress());
            assertInstanceOf(Inet6Address.class, a6.handle().relayAddress().getAddress());
            assertEquals(port, a6.handle().relayAddress().getPort());

            a4.send("from v4");
            assertEquals("from v4", a6.receivePayload());
            a6.send("from v6");
            assertEquals("from v6", a4.receivePayload());
            b6.send("second");
            assertEquals("second", b4.receivePayload());
            b4.send("second back");
            assertEquals("second back", b6.receivePayload());

            relay.awaitCounter(RelayCounter.FORWARDED, 4);
            assertTrue(a4.nothingPending() && a6.nothingPending(), "the first channel heard the second, or itself");
            assertTrue(b4.nothingPending() && b6.nothingPending(), "the second channel heard the first, or itself");
        }
    }

    @Test
    void shouldCreateMoreChannelsThanAPortRangeHoldsWhenTheyShareOnePort() throws Exception {
        int channels = 1500;
        try (TestRelay ranged = TestRelay.start(b -> b.set(Settings.UDP_ENGINE, engine).set(Settings.MAX_CHANNELS, 2000).set(Settings.MAX_CHANNELS_PER_SESSION, 2000)
                .set(Settings.REQUEST_RATE, 100_000))) {
            ChanmuxClient owner = ranged.client("owner").control();
            ChanmuxException refused = assertThrows(ChanmuxException.class, () -> {
                for (int i = 0; i < channels; i++) {
                    owner.create(CreateOptions.DEFAULTS);
                }
            });
            assertEquals(ErrorCode.NO_PORTS, refused.error(), "a range of 1000 ports holds 1000 channels at most");
        }
        try (TestRelay shared = TestRelay.start(b -> b.set(Settings.UDP_ENGINE, engine).set(Settings.UDP_PORT, 0).set(Settings.MAX_CHANNELS, 2000).set(Settings.MAX_CHANNELS_PER_SESSION, 2000)
                .set(Settings.REQUEST_RATE, 100_000))) {
            ChanmuxClient owner = shared.client("owner").control();
            Set<Integer> ports = new HashSet<>();
            for (int i = 0; i < channels; i++) {
                ports.add(owner.create(CreateOptions.DEFAULTS).port());
            }
            assertEquals(Set.of(shared.server().directory().sharedUdpPort()), ports);
            assertEquals(channels, shared.server().directory().channels().size());
            assertEquals(1, shared.server().directory().portsInUse());
        }
    }

    @Test
    void shouldKeepEachChannelsOwnCountersInListStatsAndAdminViewsWhenChannelsShareThePort() throws Exception {
        try (TestRelay relay = TestRelay.start(b -> b.set(Settings.UDP_ENGINE, engine).set(Settings.UDP_PORT, 0).set(Settings.ADMIN_SECRET, ADMIN))) {
            TestClient owner = relay.client("owner");
            ChannelInfo busy = owner.create();
            ChannelInfo quiet = owner.create();
            TestPeer[] busyPeers = {relay.client("a").join(busy.channel()), relay.client("b").join(busy.channel()),
                    relay.client("c").join(busy.channel())};
            relay.client("d").join(quiet.channel());
            for (int i = 0; i < 10; i++) {
                busyPeers[i % 3].send("datagram " + i);
            }
            relay.awaitCounter(RelayCounter.FORWARDED, 20);
            // A datagram naming no live peer belongs to no channel: it counts in the totals only.
            try (DatagramChannel stranger = DatagramChannel.open()) {
                stranger.send(Datagram.encodePing(ByteBuffer.allocate(13), 0x7fff_fff0, 1), busyPeers[0].handle().relayAddress());
            }
            relay.awaitCounter(RelayCounter.DROP_UNKNOWN_PEER, 1);

            ChanmuxClient admin = relay.rawClient();
            admin.call("hello", ControlCodec.object().put("admin", ADMIN));
            Map<String, JsonNode> rows = new HashMap<>();
            for (JsonNode row : admin.call("channels", null).path("channels")) {
                rows.put(row.path("channel").asText(), row);
            }
            JsonNode busyRow = rows.get(busy.channel());
            JsonNode quietRow = rows.get(quiet.channel());
            assertEquals(20, busyRow.path("forwarded").asLong());
            assertEquals(0, quietRow.path("forwarded").asLong());
            assertEquals(0, busyRow.path("dropped").asLong());
            assertEquals(3, busyRow.path("peers").asInt());
            assertEquals(1, quietRow.path("peers").asInt());
            // The busy channel's datagrams: 3 CONFIRMs and 10 DATA (BINDs that drew a CHALLENGE count too).
            long busyIn = busyRow.path("datagramsIn").asLong();
            long quietIn = quietRow.path("datagramsIn").asLong();
            assertTrue(busyIn >= 13, busyRow.toString());
            JsonNode stats = owner.control().stats();
            assertEquals(busyIn + quietIn + 1, stats.path("datagramsIn").asLong(), "channels plus the stray datagram");
            assertEquals(20, stats.path("forwarded").asLong());
            assertEquals(1, stats.path("dropped").path("unknown_peer").asLong());
            assertEquals(relay.server().directory().sharedUdpPort(), owner.control().list().getFirst().port());
        }
    }

    @Test
    void shouldFailClearlyWhenTheSharedPortIsTaken() throws Exception {
        try (DatagramChannel squatter = DatagramChannel.open().bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))) {
            int taken = ((InetSocketAddress) squatter.getLocalAddress()).getPort();
            java.io.UncheckedIOException failure = assertThrows(java.io.UncheckedIOException.class,
                    () -> TestRelay.start(b -> b.set(Settings.UDP_ENGINE, engine).set(Settings.UDP_PORT, taken)));
            assertTrue(failure.getMessage().contains("cannot bind the UDP port 127.0.0.1:" + taken), failure.getMessage());
        }
    }

    @Test
    void shouldNotLetASecondServerShareTheFirstOnesPort() throws Exception {
        try (TestRelay first = TestRelay.start(b -> b.set(Settings.UDP_ENGINE, engine).set(Settings.UDP_PORT, 0))) {
            int port = first.server().directory().sharedUdpPort();
            assertThrows(java.io.UncheckedIOException.class, () -> TestRelay.start(b -> b.set(Settings.UDP_ENGINE, engine).set(Settings.UDP_PORT, port)),
                    "a second server joined the first one's SO_REUSEPORT group and would take half its traffic");
            // The first still serves.
            ChannelInfo channel = first.client("owner").create();
            TestPeer a = first.client("a").join(channel.channel());
            TestPeer b = first.client("b").join(channel.channel());
            a.send("still here");
            assertEquals("still here", b.receivePayload());
        }
    }
}
