package io.chanmux.server.cluster;

import io.chanmux.server.config.ServerConfig;
import io.chanmux.server.config.Settings;
import org.junit.jupiter.api.Test;

import java.net.InetAddress;
import java.time.Duration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The cluster settings: defaults, what validation says, and what never reaches a log. */
class ClusterConfigTest {

    @Test
    void shouldBeASingleNodeWithAFiveSecondTtlWhenNothingIsGiven() {
        ServerConfig config = ServerConfig.builder().build();

        assertNull(config.get(Settings.CLUSTER));
        assertNull(config.get(Settings.NODE_ID));
        assertNull(config.get(Settings.ADVERTISE));
        assertEquals(Duration.ofSeconds(5), config.get(Settings.NODE_TTL));
    }

    @Test
    void shouldNameEachBadClusterSettingWhenValidating() {
        String problems = assertThrows(IllegalArgumentException.class, () -> ServerConfig.builder()
                .setText(Settings.CLUSTER, "http://x").setText(Settings.NODE_ID, "no spaces allowed")
                .setText(Settings.NODE_TTL, "500ms").build()).getMessage();

        assertTrue(problems.contains("--cluster: ") && problems.contains("is not a Redis URI"), problems);
        assertTrue(problems.contains("--node-id: 'no spaces allowed'") || problems.contains("--node-id: no spaces"),
                problems);
        assertTrue(problems.contains("--node-ttl: 500ms is not from 2s to 1h"), problems);
        assertTrue(problems.contains("--advertise: needed with --cluster when --bind is a wildcard"), problems);
        assertFalse(problems.contains("http://x"), "the URI may hold a password: " + problems);
    }

    @Test
    void shouldAcceptAClusterNodeWhenItsAddressIsSpecific() {
        ServerConfig bound = ServerConfig.builder().set(Settings.BIND, InetAddress.getLoopbackAddress())
                .set(Settings.CLUSTER, "redis://127.0.0.1:6379").build();
        ServerConfig advertised = ServerConfig.builder().set(Settings.CLUSTER, "redis://127.0.0.1:6379")
                .set(Settings.ADVERTISE, "relay-1.example").set(Settings.NODE_ID, "relay-1").build();

        assertEquals("redis://127.0.0.1:6379", bound.get(Settings.CLUSTER));
        assertEquals("relay-1.example", advertised.get(Settings.ADVERTISE));
    }

    @Test
    void shouldHideTheRedisUriWhenTheConfigIsPrinted() {
        String printed = ServerConfig.builder().set(Settings.BIND, InetAddress.getLoopbackAddress())
                .set(Settings.CLUSTER, "redis://:hunter2@127.0.0.1:6379").build().toString();

        assertFalse(printed.contains("hunter2"), printed);
        assertTrue(printed.contains("cluster=set"), printed);
        assertTrue(printed.contains("node-ttl=5s"), printed);
    }

    @Test
    void shouldDeriveTheNodeIdFromHostAndPortWhenNoneIsGiven() {
        String id = LocalNode.derivedId(7701);

        assertTrue(id.endsWith("-7701"), id);
        assertTrue(id.matches("[A-Za-z0-9.-]{1,64}"), id);
        assertEquals("[::1]:7700", LocalNode.hostPort("::1", 7700));
        assertEquals("relay.example:7700", LocalNode.hostPort("relay.example", 7700));
    }
}
