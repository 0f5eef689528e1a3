package io.chanmux.server.base;

import org.junit.jupiter.api.Test;

import java.net.InetAddress;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

class AddressBlockTest {

    @Test
    void shouldCountIpv6AddressesByTheirSlash64AndIpv4OnesAlone() {
        AddressBlock a = AddressBlock.of(InetAddress.ofLiteral("2001:db8:1:2::a"));
        AddressBlock b = AddressBlock.of(InetAddress.ofLiteral("2001:db8:1:2:ffff:1:2:3"));
        AddressBlock otherPrefix = AddressBlock.of(InetAddress.ofLiteral("2001:db8:1:3::a"));

        assertEquals(a, b);
        assertNotEquals(a, otherPrefix);
        assertEquals("2001:db8:1:2::/64", a.toString());
        assertNotEquals(AddressBlock.of(InetAddress.ofLiteral("192.0.2.1")), AddressBlock.of(InetAddress.ofLiteral("192.0.2.2")));
        assertEquals("192.0.2.1/32", AddressBlock.of(InetAddress.ofLiteral("192.0.2.1")).toString());
        // A dual-stack socket hands IPv4 clients over as IPv4 addresses, not ::ffff:a.b.c.d.
        assertEquals(AddressBlock.of(InetAddress.ofLiteral("192.0.2.1")), AddressBlock.of(InetAddress.ofLiteral("::ffff:192.0.2.1")));
    }
}
