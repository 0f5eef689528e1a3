package io.chanmux.server;

import com.fasterxml.jackson.databind.JsonNode;
import io.chanmux.protocol.client.ChanmuxClient;
import io.chanmux.protocol.client.ChanmuxException;
import io.chanmux.protocol.client.ChannelInfo;
import io.chanmux.protocol.control.ControlCodec;
import io.chanmux.protocol.control.ErrorCode;
import io.chanmux.server.config.Settings;
import io.chanmux.server.control.SessionCloseReason;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.IOException;
import java.net.ConnectException;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Metrics, health and readiness probes, admin ops and drain, against a real server. */
@Timeout(60)
class OperationsTest {
    private static final String ADMIN = "admin-pass";
    private static final Pattern SAMPLE = Pattern.compile("^([a-zA-Z_:][a-zA-Z0-9_:]*(\\{[^}]*\\})?) (\\S+)$");
    private final HttpClient http = HttpClient.newHttpClient();

    @Test
    void shouldExportLiveMetricsThatMoveWithTrafficAndReportHealthAndReadiness() throws Exception {
        try (TestRelay relay = TestRelay.start(b -> b.set(Settings.METRICS_PORT, 0))) {
            String base = "http://127.0.0.1:" + relay.server().metricsAddress().getPort();
            ChannelInfo channel = relay.client("owner").create();
            TestPeer a = relay.client("a").join(channel.channel());
            TestPeer b = relay.client("b").join(channel.channel());
            Map<String, Double> before = scrape(base);

            for (int i = 0; i < 10; i++) {
                a.send("m" + i);
                b.receivePayload();
            }
            a.handle().datagramChannel().write(java.nio.ByteBuffer.wrap(new byte[] {0x7f, 0, 0, 0, 0}));

            await().until(() -> scrape(base).get("chanmux_datagrams_dropped_total{reason=\"unknown_type\"}") == 1.0);
            Map<String, Double> after = scrape(base);
            assertEquals(10.0, after.get("chanmux_datagrams_forwarded_total")
                    - before.get("chanmux_datagrams_forwarded_total"));
            assertEquals(1.0, after.get("chanmux_channels"));
            assertEquals(2.0, after.get("chanmux_peers"));
            assertEquals(3.0, after.get("chanmux_sessions"));
            assertEquals(1.0, after.get("chanmux_pool_channels{pool=\"0\"}") + after.get("chanmux_pool_channels{pool=\"1\"}"));
            assertEquals(1.0, after.get("chanmux_control_requests_total{op=\"create\",result=\"ok\"}"));
            assertEquals(2.0, after.get("chanmux_control_requests_total{op=\"join\",result=\"ok\"}"));
            assertEquals(1.0, after.get("chanmux_udp_ports_in_use"));
            assertEquals(TestRelay.UDP_HIGH - TestRelay.UDP_LOW + 1.0, after.get("chanmux_udp_ports_total"));
            assertEquals(10_000.0, after.get("chanmux_sessions_max"));
            assertEquals(10_000.0, after.get("chanmux_channels_max"));
            assertEquals(0.0, after.get("chanmux_events_dropped_total"));
            assertEquals(0.0, after.get("chanmux_pool_busy_polling{pool=\"0\"}"), "no poll loop with the default engine");
            assertEquals(0.0, after.get("chanmux_pool_empty_polls_total{pool=\"0\"}"));
            assertEquals(0.0, after.get("chanmux_pool_poll_loop_turn_failures_total{pool=\"0\"}"));
            await().until(() -> scrape(base).get("chanmux_control_writer_threads") == 0.0); // the join events' writers end
            assertTrue(after.keySet().stream().anyMatch(k -> k.startsWith("jvm_memory_used_bytes")), "JVM metrics");
            assertTrue(after.get("process_open_fds") > 0, "process metrics");
            assertTrue(after.keySet().stream().noneMatch(k -> k.contains(channel.channel())), "a per-channel label");

            HttpResponse<String> health = get(base + "/healthz");
            assertEquals(200, health.statusCode());
            assertEquals("ok\n", health.body());
            HttpResponse<String> ready = get(base + "/readyz");
            assertEquals(200, ready.statusCode());
            assertEquals("ready\n", ready.body());
            assertEquals(404, get(base + "/metricsanything").statusCode(), "contexts match by prefix unless checked");
            assertEquals(404, get(base + "/healthz/x").statusCode());
            assertEquals(404, get(base + "/").statusCode());
            assertEquals(405, http.send(HttpRequest.newBuilder(URI.create(base + "/metrics"))
                    .POST(HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString()).statusCode());
        }
    }

    @Test
    void shouldRefuseAdminOpsWithoutTheAdminSecret() throws Exception {
        try (TestRelay withoutAdmin = TestRelay.start();
             TestClient client = withoutAdmin.client("x")) {
            assertEquals(ErrorCode.FORBIDDEN, assertThrows(ChanmuxException.class,
                    () -> client.control().call("channels", null)).error());
        }
        try (TestRelay relay = TestRelay.start(b -> b.set(Settings.ADMIN_SECRET, ADMIN));
             TestClient plain = relay.client("plain");
             ChanmuxClient wrong = relay.rawClient()) {
            for (String op : new String[] {"channels", "peers", "kick", "close", "drain"}) {
                assertEquals(ErrorCode.FORBIDDEN, assertThrows(ChanmuxException.class,
                        () -> plain.control().call(op, ControlCodec.object().put("channel", "x").put("peer", 1)))
                        .error(), op);
            }
            assertEquals(ErrorCode.UNAUTHORIZED, assertThrows(ChanmuxException.class,
                    () -> wrong.call("hello", ControlCodec.object().put("admin", "guess"))).error());
            assertFalse(relay.server().isDraining());
        }
    }

    @Test
    void shouldListChannelsAndPeersAndKickAndCloseForAnAdmin() throws Exception {
        try (TestRelay relay = TestRelay.start(b -> b.set(Settings.ADMIN_SECRET, ADMIN))) {
            TestClient owner = relay.client("owner");
            ChannelInfo channel = owner.control().create(new io.chanmux.protocol.client.CreateOptions("secret", 0, "k"));
            TestClient aliceSession = relay.client("alice");
            PeerAndSession alice = new PeerAndSession(aliceSession, joinKeyed(aliceSession, channel, "k"));
            TestClient bobSession = relay.client("bob");
            TestPeer bob = joinKeyed(bobSession, channel, "k");
            alice.peer.send("hello");
            bob.receivePayload();
            ChanmuxClient admin = admin(relay);

            JsonNode channels = admin.call("channels", null).path("channels");
            assertEquals(1, channels.size());
            assertEquals(channel.channel(), channels.get(0).path("channel").asText());
            assertTrue(channels.get(0).path("keyed").asBoolean());
            assertEquals(2, channels.get(0).path("peers").asInt());
            relay.awaitCounter(io.chanmux.server.channel.RelayCounter.FORWARDED, 1);

            JsonNode peers = admin.call("peers", ControlCodec.object().put("channel", channel.channel())).path("peers");
            assertEquals(2, peers.size());
            JsonNode alicesRow = peers.get(0).path("peer").asLong() == Integer.toUnsignedLong(alice.peer.id()) ? peers.get(0) : peers.get(1);
            assertEquals(2, alicesRow.path("datagrams").asInt(), "its CONFIRM and its DATA");
            assertEquals(alice.peer.handle().localAddress().getPort(),
                    Integer.parseInt(alicesRow.path("address").asText().split(":")[1]));

            admin.call("kick", ControlCodec.object().put("channel", channel.channel()).put("peer", Integer.toUnsignedLong(bob.id())));
            long bobId = Integer.toUnsignedLong(bob.id());
            assertEquals("kicked", bobSession.awaitEvent("peer_left", e -> e.peer() == bobId).reason());
            assertEquals("kicked", aliceSession.awaitEvent("peer_left", e -> e.peer() == bobId).reason());

            admin.call("close", ControlCodec.object().put("channel", channel.channel()));
            assertEquals("closed", aliceSession.awaitEvent("channel_deleted", e -> true).reason());
            assertEquals(0, relay.server().directory().portsInUse());
        }
    }

    @Test
    void shouldDrainGracefullyAndStopWhenTheLastChannelIsGone() throws Exception {
        try (TestRelay relay = TestRelay.start(b -> b.set(Settings.ADMIN_SECRET, ADMIN).set(Settings.METRICS_PORT, 0)
                .set(Settings.DRAIN_TIMEOUT, Duration.ofSeconds(30)))) {
            String probes = "http://127.0.0.1:" + relay.server().metricsAddress().getPort();
            var control = relay.control();
            TestClient owner = relay.client("owner");
            ChannelInfo channel = owner.create();
            TestPeer member = owner.join(channel.channel());

            JsonNode reply = admin(relay).call("drain", null);

            assertTrue(reply.path("draining").asBoolean());
            owner.awaitEvent("draining", e -> true);
            HttpResponse<String> ready = get(probes + "/readyz");
            assertEquals(503, ready.statusCode(), "a load balancer stops sending new clients");
            assertEquals("draining\n", ready.body());
            assertEquals(200, get(probes + "/healthz").statusCode(), "a liveness probe does not kill a draining server");
            assertThrows(ConnectException.class, () -> new Socket(control.getAddress(), control.getPort()).close());
            assertEquals(ErrorCode.LIMIT, assertThrows(ChanmuxException.class, owner::create).error());
            member.send("still relaying"); // existing channels keep working during a drain
            assertFalse(relay.server().awaitTermination(Duration.ZERO));

            owner.control().delete(channel.channel());

            assertTrue(relay.server().awaitTermination(Duration.ofSeconds(5)), "the drained server did not stop");
            assertFalse(relay.server().failedUnexpectedly());
        }
    }

    @Test
    void shouldStopAtTheDrainTimeoutWhenChannelsRemain() throws Exception {
        try (TestRelay relay = TestRelay.start(b -> b.set(Settings.DRAIN_TIMEOUT, Duration.ofMillis(300)))) {
            relay.client("owner").create();

            relay.server().drain();

            assertTrue(relay.server().awaitTermination(Duration.ofSeconds(5)));
        }
    }

    @Test
    void shouldSendAJoinReplyBeforeAnyEventAboutThatChannel() throws Exception {
        try (TestRelay relay = TestRelay.start(b -> b.set(Settings.MAX_CHANNELS_PER_SESSION, 1000).set(Settings.REQUEST_RATE, 100_000))) {
            TestClient owner = relay.client("owner");
            try (RawControlConnection joiner = new RawControlConnection(relay.control())) {
                for (int i = 0; i < 200; i++) {
                    ChannelInfo channel = owner.create();
                    joiner.sendLine("{\"id\":" + i + ",\"op\":\"join\",\"channel\":\"" + channel.channel() + "\"}");
                    owner.control().delete(channel.channel());
                    boolean replied = false;
                    while (true) {
                        JsonNode line = joiner.readMessage();
                        if (line.has("id")) {
                            replied = true;
                            if (!line.path("ok").asBoolean()) {
                                break; // the delete won the race: no event can follow
                            }
                        } else {
                            assertTrue(replied, "channel_deleted arrived before the join reply: " + line);
                            break;
                        }
                    }
                }
            }
        }
    }

    @Test
    void shouldCloseAConnectionThatDoesNotAuthenticateInTime() throws Exception {
        try (TestRelay relay = TestRelay.start(b -> b.set(Settings.SECRET, "s").set(Settings.LINE_TIMEOUT, Duration.ofMillis(300)));
             RawControlConnection lurker = new RawControlConnection(relay.control())) {
            assertEquals("unauthorized", lurker.request("{\"op\":\"hello\"}").path("error").asText());

            await().until(() -> relay.server().listener().closedBy(SessionCloseReason.AUTH_TIMEOUT) == 1);
            assertEquals(null, lurker.readMessage());
        }
    }

    private record PeerAndSession(TestClient session, TestPeer peer) {
    }

    private static TestPeer joinKeyed(TestClient session, ChannelInfo channel, String key) throws IOException {
        TestPeer peer = new TestPeer(session.control().join(channel.channel(), key));
        peer.handle().bind(Duration.ofSeconds(5));
        return peer;
    }

    private static ChanmuxClient admin(TestRelay relay) throws IOException {
        ChanmuxClient admin = relay.rawClient();
        admin.call("hello", ControlCodec.object().put("client", "ops").put("admin", ADMIN));
        return admin;
    }

    private HttpResponse<String> get(String url) throws IOException, InterruptedException {
        return http.send(HttpRequest.newBuilder(URI.create(url)).build(), HttpResponse.BodyHandlers.ofString());
    }

    /** Parses the Prometheus text format into "name{labels}" → value. */
    private Map<String, Double> scrape(String base) throws IOException, InterruptedException {
        HttpResponse<String> response = get(base + "/metrics");
        assertEquals(200, response.statusCode());
        Map<String, Double> samples = new HashMap<>();
        for (String line : response.body().split("\n")) {
            Matcher m = SAMPLE.matcher(line);
            if (!line.startsWith("#") && m.matches()) {
                samples.put(m.group(1), Double.parseDouble(m.group(3)));
            }
        }
        return samples;
    }
}
