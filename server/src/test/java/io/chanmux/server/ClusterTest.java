package io.chanmux.server;

import com.fasterxml.jackson.databind.JsonNode;
import io.chanmux.protocol.client.ChanmuxClient;
import io.chanmux.protocol.client.ChanmuxException;
import io.chanmux.protocol.client.ChannelInfo;
import io.chanmux.protocol.client.CreateOptions;
import io.chanmux.protocol.control.ControlCodec;
import io.chanmux.protocol.control.ErrorCode;
import io.chanmux.server.cluster.NodeProcess;
import io.chanmux.server.cluster.RedisServer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import redis.clients.jedis.Jedis;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Two nodes in separate processes on one real Redis: placement, routing, a node killed with
 * SIGKILL, Redis killed with SIGKILL and restarted empty, and a drain. The node TTL is 2 s (the
 * default is 5 s) to keep the failure tests short.
 */
@Timeout(120)
class ClusterTest {
    private static final Duration TTL = Duration.ofSeconds(2);
    private static final Duration BIND = Duration.ofSeconds(5);

    @Test
    void shouldListBothNodesSpreadCreatesAndLeadAJoinToTheChannelsNodeWhenTwoNodesShareRedis() throws Exception {
        try (RedisServer redis = RedisServer.start();
             NodeProcess a = NodeProcess.start("a", redis, TTL);
             NodeProcess b = NodeProcess.start("b", redis, TTL)) {
            awaitNodes(a, List.of("a", "b"));
            awaitNodes(b, List.of("a", "b"));

            try (ChanmuxClient owner = ChanmuxClient.connect(a.control())) {
                owner.hello("owner");
                Map<String, Integer> placed = new HashMap<>();
                List<String> onB = new ArrayList<>();
                for (int i = 0; i < 6; i++) {
                    ChannelInfo channel = owner.create(CreateOptions.named("c" + i));
                    String node = owner.nodeOf(channel.channel()).getPort() == a.control().getPort() ? "a" : "b";
                    placed.merge(node, 1, Integer::sum);
                    if (node.equals("b")) {
                        onB.add(channel.channel());
                    }
                }
                assertEquals(Map.of("a", 3, "b", 3), placed, "six creates through a, least loaded first");
                await().atMost(Duration.ofSeconds(5)).until(() -> channelsByNode(a).equals(Map.of("a", 3, "b", 3)));

                String channel = onB.getFirst();
                try (RawControlConnection raw = new RawControlConnection(a.control())) {
                    JsonNode moved = raw.request("{\"id\":1,\"op\":\"join\",\"channel\":\"" + channel + "\"}");
                    assertEquals("moved", moved.path("error").asText(), moved.toString());
                    assertEquals("b", moved.path("node").asText());
                    assertEquals(b.controlText(), moved.path("control").asText());
                }
                try (ChanmuxClient viaA = ChanmuxClient.connect(a.control());
                     ChanmuxClient viaB = ChanmuxClient.connect(b.control());
                     TestPeer first = new TestPeer(viaA.join(channel));
                     TestPeer second = new TestPeer(viaB.join(channel))) {
                    assertEquals(b.control(), viaA.nodeOf(channel), "the join through a was led to b");
                    first.handle().bind(BIND);
                    second.handle().bind(BIND);

                    first.send("through a, relayed by b");
                    assertEquals("through a, relayed by b", second.receivePayload());
                    second.send("back");
                    assertEquals("back", first.receivePayload());
                    viaA.leave(channel); // straight to b, where the peer is
                }
            }
        }
    }

    @Test
    void shouldForgetAKilledNodeAndItsChannelsWithinTheNodeTtl() throws Exception {
        try (RedisServer redis = RedisServer.start();
             NodeProcess a = NodeProcess.start("a", redis, TTL);
             NodeProcess b = NodeProcess.start("b", redis, TTL);
             RawControlConnection ownerOnB = new RawControlConnection(b.control());
             RawControlConnection viaA = new RawControlConnection(a.control())) {
            awaitNodes(a, List.of("a", "b"));
            String channel = ownerOnB.request("{\"id\":1,\"op\":\"create\",\"node\":\"b\"}").path("channel").asText();
            assertEquals("moved", join(viaA, channel).path("error").asText());

            long killedNs = System.nanoTime();
            b.kill();

            await().atMost(TTL.plusSeconds(3)).until(() -> nodeIds(a).equals(List.of("a")));
            long goneMs = (System.nanoTime() - killedNs) / 1_000_000;
            assertTrue(goneMs <= TTL.toMillis() + 2000, "b left the node list " + goneMs + " ms after SIGKILL");
            JsonNode reply = join(viaA, channel);
            assertEquals("not_found", reply.path("error").asText(), reply.toString());
            await().atMost(TTL.plusSeconds(2)).until(() -> {
                try (Jedis jedis = redis.connect()) {
                    return jedis.get("chanmux:channel:" + channel) == null && jedis.get("chanmux:node:b") == null;
                }
            });
        }
    }

    @Test
    void shouldKeepRelayingAndServingNewConnectionsWhenRedisIsKilledAndRepublishWhenItReturnsEmpty()
            throws Exception {
        try (RedisServer redis = RedisServer.start();
             NodeProcess a = NodeProcess.start("a", redis, TTL);
             NodeProcess b = NodeProcess.start("b", redis, TTL);
             ChanmuxClient owner = ChanmuxClient.connect(a.control());
             ChanmuxClient ownerOnB = ChanmuxClient.connect(b.control())) {
            awaitNodes(a, List.of("a", "b"));
            String channel = owner.call("create", ControlCodec.object().put("node", "a"))
                    .path("channel").asText();
            String channelOnB = ownerOnB.call("create", ControlCodec.object()
                    .put("node", "b")).path("channel").asText();
            try (ChanmuxClient firstClient = ChanmuxClient.connect(a.control());
                 ChanmuxClient secondClient = ChanmuxClient.connect(a.control());
                 TestPeer first = new TestPeer(firstClient.join(channel));
                 TestPeer second = new TestPeer(secondClient.join(channel))) {
                first.handle().bind(BIND);
                second.handle().bind(BIND);

                redis.kill();

                await().atMost(Duration.ofSeconds(5)).until(() -> nodes(a).path("redis").asText().equals("down"));
                first.send("no redis needed");
                assertEquals("no redis needed", second.receivePayload());
                try (ChanmuxClient fresh = ChanmuxClient.connect(a.control())) {
                    fresh.hello("after redis died");
                    ChannelInfo local = fresh.create(CreateOptions.named("made during the outage"));
                    assertEquals(a.control(), fresh.nodeOf(local.channel()));
                    ChanmuxException unavailable = assertThrows(ChanmuxException.class, () -> fresh.join(channelOnB));
                    assertEquals(ErrorCode.UNAVAILABLE, unavailable.error());
                }
                assertTrue(a.log().contains("keeps relaying"), a.log());

                redis.restart();

                await().atMost(Duration.ofSeconds(5)).until(() -> {
                    try (Jedis jedis = redis.connect()) {
                        return "a".equals(jedis.get("chanmux:channel:" + channel))
                                && "b".equals(jedis.get("chanmux:channel:" + channelOnB));
                    }
                });
                await().atMost(Duration.ofSeconds(5)).until(() -> nodeIds(a).equals(List.of("a", "b")));
                second.send("still relaying");
                assertEquals("still relaying", first.receivePayload());
                try (RawControlConnection viaA = new RawControlConnection(a.control())) {
                    assertEquals("moved", join(viaA, channelOnB).path("error").asText());
                }
            }
        }
    }

    @Test
    void shouldMarkADrainingNodeClusterWideAndPlaceNothingOnIt() throws Exception {
        try (RedisServer redis = RedisServer.start();
             NodeProcess a = NodeProcess.start("a", redis, TTL);
             NodeProcess b = NodeProcess.start("b", redis, TTL, "--admin-secret", "s3cret", "--drain-timeout", "20s");
             RawControlConnection onB = new RawControlConnection(b.control());
             ChanmuxClient owner = ChanmuxClient.connect(a.control())) {
            awaitNodes(a, List.of("a", "b"));
            assertTrue(onB.request("{\"id\":1,\"op\":\"create\",\"node\":\"b\"}").path("ok").asBoolean());
            assertTrue(onB.request("{\"id\":2,\"op\":\"hello\",\"admin\":\"s3cret\"}").path("ok").asBoolean());

            assertTrue(readReply(onB, "{\"id\":3,\"op\":\"drain\"}").path("draining").asBoolean());

            await().atMost(Duration.ofSeconds(3)).until(() -> draining(a, "b"));
            owner.hello("owner");
            for (int i = 0; i < 3; i++) {
                ChannelInfo channel = owner.create(CreateOptions.named("after the drain " + i));
                assertEquals(a.control(), owner.nodeOf(channel.channel()));
            }
            JsonNode sentBack = readReply(onB, "{\"id\":4,\"op\":\"create\",\"node\":\"b\"}");
            assertEquals("moved", sentBack.path("error").asText(), "a draining node places even a create sent to it");
            assertEquals("a", sentBack.path("node").asText());
        }
    }

    // ---- helpers ------------------------------------------------------------------------------

    private static JsonNode join(RawControlConnection connection, String channel) throws IOException {
        return connection.request("{\"id\":9,\"op\":\"join\",\"channel\":\"" + channel + "\"}");
    }

    /** The reply to {@code line}, skipping events (a draining session gets a {@code draining} event). */
    private static JsonNode readReply(RawControlConnection connection, String line) throws IOException {
        connection.sendLine(line);
        JsonNode message;
        do {
            message = connection.readMessage();
        } while (message.has("event"));
        return message;
    }

    private static JsonNode nodes(NodeProcess node) throws IOException {
        try (RawControlConnection connection = new RawControlConnection(node.control())) {
            return connection.request("{\"id\":1,\"op\":\"nodes\"}");
        }
    }

    private static List<String> nodeIds(NodeProcess node) throws IOException {
        List<String> ids = new ArrayList<>();
        nodes(node).path("nodes").forEach(n -> ids.add(n.path("node").asText()));
        return ids;
    }

    private static Map<String, Integer> channelsByNode(NodeProcess node) throws IOException {
        Map<String, Integer> channels = new HashMap<>();
        nodes(node).path("nodes").forEach(n -> channels.put(n.path("node").asText(), n.path("channels").asInt()));
        return channels;
    }

    private static boolean draining(NodeProcess node, String id) throws IOException {
        for (JsonNode n : nodes(node).path("nodes")) {
            if (n.path("node").asText().equals(id)) {
                return n.path("draining").asBoolean();
            }
        }
        return false;
    }

    private static void awaitNodes(NodeProcess node, List<String> ids) {
        await().atMost(Duration.ofSeconds(10)).until(() -> nodeIds(node).equals(ids));
    }
}
