package io.chanmux.server.cluster;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.chanmux.protocol.client.ChanmuxClient;
import io.chanmux.protocol.client.ChannelInfo;
import io.chanmux.protocol.client.CreateOptions;
import io.chanmux.protocol.control.ControlRequest;
import io.chanmux.protocol.control.ErrorCode;
import io.chanmux.protocol.control.RequestException;
import io.chanmux.server.ChanmuxServer;
import io.chanmux.server.config.PortRange;
import io.chanmux.server.config.ServerConfig;
import io.chanmux.server.config.Settings;
import io.chanmux.server.pool.Answer;
import io.chanmux.server.pool.ChannelCreated;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import redis.clients.jedis.Jedis;

import java.io.IOException;
import java.net.InetAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Cluster nodes inside the test's JVM on a real Redis: what process tests cannot reach or see. */
@Timeout(60)
class RedisClusterTest {

    @Test
    void shouldRefuseTheCreateWhenAnotherNodeHoldsItsId() throws Exception {
        try (RedisServer redis = RedisServer.start(); ChanmuxServer node = start(redis, "a", -1);
             Jedis jedis = redis.connect()) {
            await().until(() -> ((RedisCluster) node.cluster()).redisUp());
            jedis.set("chanmux:channel:00000000000000aa", "z");
            CompletableFuture<RequestException> refused = new CompletableFuture<>();

            node.cluster().publishing(new Answer<>() {
                @Override
                public void ok(ChannelCreated result) {
                    refused.completeExceptionally(new AssertionError("published a taken id"));
                }

                @Override
                public void refuse(RequestException refusal) {
                    refused.complete(refusal);
                }
            }).ok(new ChannelCreated("00000000000000aa", 40_000, 2));

            RequestException refusal = refused.get(5, TimeUnit.SECONDS);
            assertEquals(ErrorCode.INTERNAL, refusal.code());
            assertTrue(refusal.getMessage().contains("taken by node z"), refusal.getMessage());
            assertEquals("z", jedis.get("chanmux:channel:00000000000000aa"));
        }
    }

    @Test
    void shouldForgetANodeAndItsChannelsAtOnceWhenItClosesPolitely() throws Exception {
        try (RedisServer redis = RedisServer.start(); Jedis jedis = redis.connect()) {
            String channel;
            try (ChanmuxServer node = start(redis, "polite", -1);
                 ChanmuxClient owner = ChanmuxClient.connect(node.controlAddress())) {
                await().until(() -> ((RedisCluster) node.cluster()).redisUp());
                channel = owner.create(CreateOptions.named("short-lived")).channel();
                assertEquals("polite", jedis.get("chanmux:channel:" + channel), "published before the create's reply");
            }

            assertNull(jedis.get("chanmux:node:polite"));
            assertNull(jedis.get("chanmux:channel:" + channel));
            assertFalse(jedis.smembers("chanmux:nodes").contains("polite"));
        }
    }

    @Test
    void shouldExportTheClusterMetricsWhenClustered() throws Exception {
        try (RedisServer redis = RedisServer.start(); ChanmuxServer a = start(redis, "a", 0);
             ChanmuxServer b = start(redis, "b", -1);
             ChanmuxClient owner = ChanmuxClient.connect(a.controlAddress())) {
            await().until(() -> ((RedisCluster) a.cluster()).nodesSeen() == 2);
            ChannelInfo first = owner.create(CreateOptions.named("here"));
            ChannelInfo second = owner.create(CreateOptions.named("there"));
            assertEquals(a.controlAddress(), owner.nodeOf(first.channel()));
            assertEquals(b.controlAddress(), owner.nodeOf(second.channel()));

            String metrics = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:"
                    + a.metricsAddress().getPort() + "/metrics")).build(), HttpResponse.BodyHandlers.ofString()).body();

            assertTrue(metrics.contains("chanmux_cluster_nodes 2.0"), metrics);
            assertTrue(metrics.contains("chanmux_cluster_redis_up 1.0"), metrics);
            assertTrue(metrics.contains("chanmux_cluster_moves_total 1.0"), metrics);
            assertTrue(metrics.contains("chanmux_cluster_redis_errors_total 0.0"), metrics);
            assertTrue(metrics.contains("chanmux_cluster_redis_round_trip_seconds "), metrics);
        }
    }

    @Test
    void shouldSendTheNextCreateElsewhereWhileTheCreatesThisNodeKeptAreNotMadeYet() throws Exception {
        try (RedisServer redis = RedisServer.start(); ChanmuxServer a = start(redis, "a", -1);
             ChanmuxServer b = start(redis, "b", -1)) {
            await().until(() -> ((RedisCluster) a.cluster()).nodesSeen() == 2);
            // Placed and not made (no pool is asked): a's exact channel count stays 0 throughout.
            a.cluster().place(create(null));

            RequestException moved = assertThrows(RequestException.class, () -> a.cluster().place(create(null)),
                    "the first create, kept here, still counts");
            assertEquals("b", moved.redirect().node());
            a.cluster().place(create("a")); // a second create that names a: kept, and counted
            assertEquals("b", assertThrows(RequestException.class, () -> a.cluster().place(create(null)))
                    .redirect().node(), "a holds two to b's one");
        }
    }

    @Test
    void shouldListThisNodeAloneWhenNotInACluster() throws IOException {
        ServerConfig config = base(-1).set(Settings.NODE_ID, "solo").build();
        try (ChanmuxServer solo = ChanmuxServer.start(config);
             ChanmuxClient client = ChanmuxClient.connect(solo.controlAddress())) {
            ObjectNode reply = client.call("nodes", null);

            assertFalse(reply.path("cluster").asBoolean(true));
            assertEquals(1, reply.path("nodes").size());
            assertEquals("solo", reply.path("nodes").get(0).path("node").asText());
            assertEquals("127.0.0.1:" + solo.controlAddress().getPort(), reply.path("nodes").get(0).path("control").asText());
            assertTrue(reply.path("nodes").get(0).path("self").asBoolean());
        }
    }

    private static ControlRequest.Create create(String node) {
        return new ControlRequest.Create(null, null, null, null, node);
    }

    private static ChanmuxServer start(RedisServer redis, String id, int metricsPort) throws IOException {
        return ChanmuxServer.start(base(metricsPort).set(Settings.CLUSTER, redis.uri()).set(Settings.NODE_ID, id)
                .set(Settings.NODE_TTL, Duration.ofSeconds(30)).build()); // no node here dies: none drops out of view
    }

    private static ServerConfig.Builder base(int metricsPort) {
        return ServerConfig.builder().set(Settings.BIND, InetAddress.getLoopbackAddress()).set(Settings.CONTROL_PORT, 0)
                .set(Settings.METRICS_PORT, metricsPort).set(Settings.UDP_PORTS, new PortRange(43_000, 43_099))
                .set(Settings.POOLS, 1);
    }
}
