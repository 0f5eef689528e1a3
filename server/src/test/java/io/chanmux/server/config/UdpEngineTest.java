package io.chanmux.server.config;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class UdpEngineTest {

    @Test
    void shouldReadEitherEngineInAnyCaseAndDefaultToVirtualThreadsWhenParsingTheSetting() {
        assertEquals(UdpEngine.VIRTUAL_THREADS, Settings.UDP_ENGINE.defaultValue());
        assertEquals(UdpEngine.POLL_LOOP, Settings.UDP_ENGINE.parse(" Poll-Loop "));
        assertEquals(UdpEngine.VIRTUAL_THREADS, Settings.UDP_ENGINE.parse("virtual-threads"));
    }

    @Test
    void shouldNameTheOptionTheValueAndTheChoicesWhenTheEngineIsUnknown() {
        IllegalArgumentException refused = assertThrows(IllegalArgumentException.class,
                () -> Settings.UDP_ENGINE.parse("epoll"));

        assertTrue(refused.getMessage().contains("--udp-engine"), refused.getMessage());
        assertTrue(refused.getMessage().contains("'epoll'"), refused.getMessage());
        assertTrue(refused.getMessage().contains("virtual-threads or poll-loop"), refused.getMessage());
    }
}
