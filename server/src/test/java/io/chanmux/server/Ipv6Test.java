package io.chanmux.server;

import io.chanmux.server.config.Settings;
import com.fasterxml.jackson.databind.JsonNode;
import io.chanmux.protocol.client.ChanmuxClient;
import io.chanmux.protocol.client.ChannelInfo;
import io.chanmux.protocol.control.ControlCodec;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.net.InetAddress;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A server on the IPv6 loopback, with a port per channel and with one shared port. */
@Timeout(60)
class Ipv6Test {
    private static final String ADMIN = "admin-pass";

    @ParameterizedTest(name = "shared port: {0}")
    @ValueSource(booleans = {false, true})
    void shouldRelayBetweenIpv6PeersAndWriteTheirAddressesInBrackets(boolean sharedPort) throws Exception {
        try (TestRelay relay = TestRelay.start(b -> (sharedPort ? b.set(Settings.UDP_PORT, 0) : b)
                .set(Settings.BIND, InetAddress.ofLiteral("::1")).set(Settings.ADMIN_SECRET, ADMIN))) {
            ChannelInfo channel = relay.client("owner").create();
            TestPeer a = relay.client("a").join(channel.channel());
            TestPeer b = relay.client("b").join(channel.channel());

            a.send("over v6");
            assertEquals("over v6", b.receivePayload());
            b.send("and back");
            assertEquals("and back", a.receivePayload());
            assertTrue(a.nothingPending(), "a heard itself");

            ChanmuxClient admin = relay.rawClient();
            admin.call("hello", ControlCodec.object().put("admin", ADMIN));
            JsonNode peers = admin.call("peers", ControlCodec.object().put("channel", channel.channel())).path("peers");
            JsonNode first = peers.get(0).path("peer").asLong() == Integer.toUnsignedLong(a.id()) ? peers.get(0) : peers.get(1);
            assertEquals("[::1]:" + a.handle().localAddress().getPort(), first.path("address").asText());
        }
    }

    @Test
    void shouldCountConnectionsPerSlash64WhenLimitingPerAddress() throws Exception {
        try (TestRelay relay = TestRelay.start(b -> b.set(Settings.BIND, InetAddress.ofLiteral("::1")).set(Settings.MAX_SESSIONS_PER_ADDRESS, 2))) {
            relay.client("1");
            relay.client("2");
            try (RawControlConnection third = new RawControlConnection(relay.control())) {
                JsonNode refusal = third.readMessage();
                assertEquals("limit", refusal.path("error").asText());
                assertTrue(refusal.path("message").asText().contains("(::/64)"), refusal.toString());
                assertNull(third.readMessage());
            }
        }
    }
}
