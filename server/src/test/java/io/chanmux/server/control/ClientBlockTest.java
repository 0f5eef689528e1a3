package io.chanmux.server.control;

import org.junit.jupiter.api.Test;

import java.net.InetAddress;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

/** The per-address limit's blocks: an IPv4 address, an IPv6 /64. */
class ClientBlockTest {

    @Test
    void shouldCountEveryAddressOfAnIpv6Slash64AsOneBlock() {
        InetAddress a = InetAddress.ofLiteral("2001:db8:1:2:aaaa::1");
        InetAddress b = InetAddress.ofLiteral("2001:db8:1:2:ffff:ffff:ffff:ffff");
        InetAddress otherNetwork = InetAddress.ofLiteral("2001:db8:1:3::1");

        assertEquals(InetAddress.ofLiteral("2001:db8:1:2::"), ClientBlock.of(a));
        assertEquals(ClientBlock.of(a), ClientBlock.of(b));
        assertNotEquals(ClientBlock.of(a), ClientBlock.of(otherNetwork));
    }

    @Test
    void shouldCountEachIpv4AddressOnItsOwn() {
        assertEquals(InetAddress.ofLiteral("192.0.2.7"), ClientBlock.of(InetAddress.ofLiteral("192.0.2.7")));
        assertNotEquals(ClientBlock.of(InetAddress.ofLiteral("192.0.2.7")),
                ClientBlock.of(InetAddress.ofLiteral("192.0.2.8")));
        assertEquals(InetAddress.ofLiteral("192.0.2.7"), ClientBlock.of(InetAddress.ofLiteral("::ffff:192.0.2.7")),
                "an IPv4-mapped address is its IPv4 address");
    }
}
