package io.chanmux.server.config;

import org.junit.jupiter.api.Test;

import java.net.InetAddress;
import java.time.Duration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ServerConfigTest {

    @Test
    void shouldHoldEveryDefaultWhenBuiltWithoutChanges() {
        ServerConfig config = ServerConfig.builder().build();

        for (Setting<?> setting : Settings.ALL) {
            assertEquals(setting.defaultValue(), config.get(setting), setting.option());
        }
        assertNull(config.get(Settings.SECRET));
    }

    @Test
    void shouldListEverySettingButNeverASecretWhenPrinted() {
        ServerConfig config = ServerConfig.builder()
                .set(Settings.SECRET, "hunter2")
                .set(Settings.PEER_TIMEOUT, Duration.ofMillis(1500))
                .build();

        String text = config.toString();

        for (Setting<?> setting : Settings.ALL) {
            assertTrue(text.contains(setting.name() + "="), setting.option() + " in " + text);
        }
        assertFalse(text.contains("hunter2"), text);
        assertTrue(text.contains("secret=set"), text);
        assertTrue(text.contains("admin-secret=none"), text);
        assertTrue(text.contains("peer-timeout=1500ms"), text);
        assertTrue(text.contains("udp-ports=40000-40999"), text);
    }

    @Test
    void shouldKeepEveryValueWhenCopiedThroughToBuilder() {
        ServerConfig original = ServerConfig.builder()
                .set(Settings.BIND, InetAddress.getLoopbackAddress())
                .set(Settings.UDP_PORTS, new PortRange(5000, 5001))
                .set(Settings.ADMIN_SECRET, "ops")
                .build();

        ServerConfig copy = original.toBuilder().set(Settings.MAX_PEERS, 3).build();

        assertEquals(InetAddress.getLoopbackAddress(), copy.get(Settings.BIND));
        assertEquals(new PortRange(5000, 5001), copy.get(Settings.UDP_PORTS));
        assertEquals("ops", copy.get(Settings.ADMIN_SECRET));
        assertEquals(3, copy.get(Settings.MAX_PEERS));
        assertEquals(256, original.get(Settings.MAX_PEERS), "the original is unchanged");
    }

    @Test
    void shouldNameBothSettingsWhenPeerRateBytesIsBelowMaxDatagram() {
        ServerConfig.Builder builder = ServerConfig.builder()
                .set(Settings.MAX_DATAGRAM, 2000)
                .set(Settings.PEER_RATE_BYTES, 1999);

        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, builder::build);

        assertEquals("--peer-rate-bytes: 1999 is below --max-datagram 2000", e.getMessage());
        assertEquals(2000, builder.set(Settings.PEER_RATE_BYTES, 2000).build().get(Settings.PEER_RATE_BYTES));
    }

    @Test
    void shouldReportEveryBadValueAtOnceWhenSeveralAreBad() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ServerConfig.builder()
                .set(Settings.POOLS, 0)
                .set(Settings.SESSION_OUTBOUND_BYTES, 1 << 30)
                .set(Settings.BIND, null)
                .build());

        assertTrue(e.getMessage().contains("--pools: 0 is not from 1 to 256"), e.getMessage());
        assertTrue(e.getMessage().contains("--session-outbound-bytes: 1073741824 is not from 4096 to 67108864"),
                e.getMessage());
        assertTrue(e.getMessage().contains("--bind: missing"), e.getMessage());
    }

    @Test
    void shouldReadATextValueThroughItsSettingWhenSetAsText() {
        ServerConfig config = ServerConfig.builder().setText(Settings.WRITE_TIMEOUT, "2m").build();

        assertEquals(Duration.ofMinutes(2), config.get(Settings.WRITE_TIMEOUT));
        assertThrows(IllegalArgumentException.class, () -> ServerConfig.builder().setText(Settings.POOLS, "two"));
    }

    @Test
    void shouldDeriveCheckIntervalsFromTheShorterTimeoutWhenAsked() {
        ServerConfig config = ServerConfig.builder()
                .set(Settings.PEER_TIMEOUT, Duration.ofSeconds(2))
                .set(Settings.BIND_TIMEOUT, Duration.ofMillis(400))
                .set(Settings.LINE_TIMEOUT, Duration.ofMillis(20))
                .set(Settings.WRITE_TIMEOUT, Duration.ofMinutes(1))
                .build();

        assertEquals(Duration.ofMillis(100), config.keepaliveTickInterval());
        assertEquals(Duration.ofMillis(10), config.sessionCheckInterval(), "never below 10 ms");
        assertEquals(Duration.ofSeconds(1), ServerConfig.builder().build().keepaliveTickInterval(), "never above 1 s");
    }
}
