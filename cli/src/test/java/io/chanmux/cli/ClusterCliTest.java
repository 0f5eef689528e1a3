package io.chanmux.cli;

import io.chanmux.server.ChanmuxServer;
import io.chanmux.server.config.PortRange;
import io.chanmux.server.config.ServerConfig;
import io.chanmux.server.config.Settings;
import io.chanmux.server.cluster.RedisServer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.IOException;
import java.net.InetAddress;
import java.time.Duration;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The CLI against two cluster nodes on a real Redis: it lists the nodes and follows 'moved'. */
@Timeout(60)
class ClusterCliTest {
    private static final String CHANNEL_LINE = "channel ([0-9a-f]{16}) on port \\d+; keep this running";

    @Test
    void shouldListTheNodesAndFollowMovedWhenTheChannelIsOnAnotherNode() throws Exception {
        try (RedisServer redis = RedisServer.start(); ChanmuxServer a = start(redis, "a"); ChanmuxServer b = start(redis, "b")) {
            String viaA = "127.0.0.1:" + a.controlAddress().getPort();
            await().atMost(Duration.ofSeconds(5)).until(() ->
                    CliRun.complete("--server", viaA, "nodes").out().lines().count() == 3);
            CliRun nodes = CliRun.complete("--server", viaA, "nodes");
            assertEquals(ChanmuxCli.OK, nodes.awaitStatus());
            assertTrue(nodes.out().contains("*a ") && nodes.out().contains("\nb "), nodes.out());

            CliRun onA = CliRun.start("--server", viaA, "create", "--hold");
            String first = onA.awaitOut(CHANNEL_LINE);
            CliRun onB = CliRun.start("--server", viaA, "create", "--hold");
            String second = onB.awaitOut(CHANNEL_LINE);
            assertNotNull(a.directory().find(first));
            assertNotNull(b.directory().find(second), "the second create through a was placed on b");

            CliRun peers = CliRun.complete("--server", viaA, "--admin-secret", "s3cret", "admin", "peers",
                    "channel=" + second);
            assertEquals(ChanmuxCli.OK, peers.awaitStatus(), peers.err());
            assertTrue(peers.out().contains("\"channel\":\"" + second + "\""), peers.out());
        }
    }

    private static ChanmuxServer start(RedisServer redis, String id) throws IOException {
        return ChanmuxServer.start(ServerConfig.builder().set(Settings.BIND, InetAddress.getLoopbackAddress())
                .set(Settings.CONTROL_PORT, 0).set(Settings.UDP_PORTS, new PortRange(43_000, 43_099))
                .set(Settings.POOLS, 1).set(Settings.METRICS_PORT, -1).set(Settings.ADMIN_SECRET, "s3cret")
                .set(Settings.CLUSTER, redis.uri()).set(Settings.NODE_ID, id)
                .set(Settings.NODE_TTL, Duration.ofSeconds(30)).build()); // no node here dies: none drops out of view
    }
}
