package io.chanmux.server.cluster;

import io.chanmux.server.ServerConfig;
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

        assertNull(config.cluster());
        assertNull(config.nodeId());
        assertNull(config.advertise());
        assertEquals(Duration.ofSeconds(5), config.nodeTtl());
    }

    @Test
    void shouldNameEachBadClusterSettingWhenValidating() {
        String problems = assertThrows(IllegalArgumentException.class, () -> ServerConfig.builder()
                .cluster("http://x").nodeId("no spaces allowed").nodeTtl(Duration.ofMillis(500)).build()).getMessage();

        assertTrue(problems.contains("--cluster: the scheme must be redis://"), problems);
        assertTrue(problems.contains("--node-id: 'no spaces allowed'"), problems);
        assertTrue(problems.contains("--node-ttl: PT0.5S"), problems);
        assertTrue(problems.contains("--advertise: needed with --cluster when --bind is a wildcard"), problems);
    }

    @Test
    void shouldAcceptAClusterNodeWhenItsAddressIsSpecific() {
        ServerConfig bound = ServerConfig.builder().bindAddress(InetAddress.getLoopbackAddress())
                .cluster("redis://127.0.0.1:6379").build();
        ServerConfig advertised = ServerConfig.builder().cluster("redis://127.0.0.1:6379").advertise("relay-1.example")
                .nodeId("relay-1").build();

        assertEquals("redis://127.0.0.1:6379", bound.cluster());
        assertEquals("relay-1.example", advertised.advertise());
    }

    @Test
    void shouldHideTheRedisPasswordWhenTheConfigIsPrinted() {
        String printed = ServerConfig.builder().bindAddress(InetAddress.getLoopbackAddress())
                .cluster("redis://:hunter2@127.0.0.1:6379").build().toString();

        assertFalse(printed.contains("hunter2"), printed);
        assertTrue(printed.contains("cluster=redis://:***@127.0.0.1:6379/0"), printed);
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
