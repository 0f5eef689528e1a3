package io.chanmux.protocol.wire;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.net.InetAddress;
import java.net.InetSocketAddress;

import static org.junit.jupiter.api.Assertions.assertEquals;

class HostPortTest {

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
            "127.0.0.1                  | 127.0.0.1:7700",
            "::1                        | [::1]:7700",
            "::                         | [::]:7700",
            "2001:db8:0:0:1:0:0:1       | [2001:db8::1:0:0:1]:7700",
            "2001:0db8:0000:0000:0000:0000:0002:0001 | [2001:db8::2:1]:7700",
            "fe80:0:0:0:0:0:0:1         | [fe80::1]:7700",
            "2001:db8:1:2:3:4:5:6       | [2001:db8:1:2:3:4:5:6]:7700",
            "2001:db8:0:1:1:1:1:1       | [2001:db8:0:1:1:1:1:1]:7700",
            "1:0:0:2:0:0:0:3            | [1:0:0:2::3]:7700",
    })
    void shouldWriteIpv6InItsShortFormInBracketsWhenFormattingAddressAndPort(String literal, String expected) {
        assertEquals(expected, HostPort.format(new InetSocketAddress(InetAddress.ofLiteral(literal), 7700)));
    }
}
