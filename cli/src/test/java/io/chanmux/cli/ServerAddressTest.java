package io.chanmux.cli;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class ServerAddressTest {

    @Test
    void shouldParseHostAndPortWhenGivenNamesV4OrBracketedV6() {
        assertEquals(new ServerAddress("relay.example", 7700), ServerAddress.parse("relay.example:7700"));
        assertEquals(new ServerAddress("127.0.0.1", 1), ServerAddress.parse("127.0.0.1:1"));
        assertEquals(new ServerAddress("::1", 7700), ServerAddress.parse("[::1]:7700"));
        assertEquals("[::1]:7700", ServerAddress.parse("[::1]:7700").toString());
    }

    @Test
    void shouldRejectAValueWithoutAPortOrWithABadOne() {
        assertThrows(IllegalArgumentException.class, () -> ServerAddress.parse("localhost"));
        assertThrows(IllegalArgumentException.class, () -> ServerAddress.parse("localhost:http"));
        assertThrows(IllegalArgumentException.class, () -> ServerAddress.parse("localhost:70000"));
        assertThrows(IllegalArgumentException.class, () -> ServerAddress.parse(":7700"));
    }
}
