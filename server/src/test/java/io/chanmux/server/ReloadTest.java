package io.chanmux.server;

import com.fasterxml.jackson.databind.JsonNode;
import io.chanmux.protocol.client.ChanmuxClient;
import io.chanmux.protocol.client.ChanmuxException;
import io.chanmux.protocol.client.ChannelInfo;
import io.chanmux.protocol.client.CreateOptions;
import io.chanmux.protocol.control.ControlCodec;
import io.chanmux.protocol.control.ErrorCode;
import io.chanmux.server.channel.RelayCounter;
import io.chanmux.server.config.PortRange;
import io.chanmux.server.config.ServerConfig;
import io.chanmux.server.config.Settings;
import io.chanmux.server.control.SessionCloseReason;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Reload without restart: the admin {@code reload} op and SIGHUP re-read the settings, apply the
 * live ones to new work and to live peers at once, report the rest as needing a restart, and drop
 * no session or channel.
 */
@Timeout(60)
class ReloadTest {
    private static final String ADMIN = "admin-pass";

    /** What the in-process server's reload reads: its command line, environment and file in one. */
    private final AtomicReference<ServerConfig> sources =
            new AtomicReference<>(TestRelay.config(b -> b.set(Settings.ADMIN_SECRET, ADMIN)));

    @Test
    void shouldSlowLivePeersAndRefuseChannelsPastALoweredLimitWithoutDroppingAnythingWhenAnAdminReloads()
            throws Exception {
        sources.set(TestRelay.config(b -> b.set(Settings.ADMIN_SECRET, ADMIN).set(Settings.PEER_RATE_PPS, 1000)));
        try (TestRelay relay = TestRelay.start(sources)) {
            TestClient owner = relay.client("owner");
            ChannelInfo channel = owner.create();
            TestPeer fast = quiet(relay.client("fast").join(channel.channel()));
            TestPeer listener = quiet(relay.client("listener").join(channel.channel()));
            ChanmuxClient admin = admin(relay.control());
            RateLimitedTraffic traffic = new RateLimitedTraffic(fast, listener, relay::counter, 10);
            traffic.send(40);
            assertEquals(0, relay.counter(RelayCounter.DROP_RATE_LIMITED), "1000/s lets a burst of 40 through");

            sources.set(TestRelay.config(b -> b.set(Settings.ADMIN_SECRET, ADMIN).set(Settings.PEER_RATE_PPS, 5)
                    .set(Settings.MAX_CHANNELS, 1).set(Settings.UDP_PORTS, new PortRange(41_000, 41_499))));
            JsonNode reply = admin.call("reload", null);

            assertEquals(List.of("max-channels 10000 -> 1", "peer-rate-pps 1000 -> 5"), changes(reply.path("applied")));
            assertEquals(List.of("udp-ports 41000-41999 -> 41000-41499"), changes(reply.path("needsRestart")));
            assertEquals(new PortRange(41_000, 41_999), relay.server().config().get(Settings.UDP_PORTS), "left alone");
            long started = System.nanoTime();
            traffic.send(40);
            double seconds = (System.nanoTime() - started) / 1e9;
            long forwardedAfter = relay.counter(RelayCounter.FORWARDED) - 40;
            // The live peer's bucket was cut to the new burst (5) and refills at 5/s.
            assertTrue(forwardedAfter <= 5 + Math.ceil(seconds * 5) + 1, forwardedAfter + " forwarded in " + seconds + " s");
            assertEquals(40 - forwardedAfter, relay.counter(RelayCounter.DROP_RATE_LIMITED));
            assertEquals(ErrorCode.LIMIT, assertThrows(ChanmuxException.class, owner::create).error(),
                    "a second channel is past the new --max-channels");

            owner.control().ping();
            assertEquals(4, relay.server().listener().sessionCount(), "owner, two peers and the admin are all still here");
            for (SessionCloseReason reason : SessionCloseReason.values()) {
                assertEquals(0, relay.server().listener().closedBy(reason), reason.wireName());
            }
            assertEquals(1, relay.server().directory().channels().size());
        }
    }

    @Test
    void shouldChangeNothingAndSayWhyWhenTheReloadedSettingsContradictOnesInForce() throws Exception {
        try (TestRelay relay = TestRelay.start(sources)) {
            ChanmuxClient admin = admin(relay.control());
            // Valid on its own, but --max-datagram needs a restart, so 1500 stays in force, above 1000.
            sources.set(TestRelay.config(b -> b.set(Settings.ADMIN_SECRET, ADMIN).set(Settings.MAX_DATAGRAM, 1000)
                    .set(Settings.PEER_RATE_BYTES, 1000).set(Settings.PEER_RATE_PPS, 7)));

            ChanmuxException refused = assertThrows(ChanmuxException.class, () -> admin.call("reload", null));

            assertEquals(ErrorCode.BAD_REQUEST, refused.error());
            assertTrue(refused.getMessage().contains("config not reloaded, nothing changed: --peer-rate-bytes: 1000 is "
                    + "below --max-datagram 1500"), refused.getMessage());
            assertEquals(500, relay.server().config().get(Settings.PEER_RATE_PPS), "not even the valid change applied");
            admin.ping();
        }
    }

    @Test
    void shouldLockOutSessionsThatProvedTheOldAdminSecretWhenAReloadReplacesIt() throws Exception {
        try (TestRelay relay = TestRelay.start(sources)) {
            ChanmuxClient leaked = admin(relay.control());
            sources.set(TestRelay.config(b -> b.set(Settings.ADMIN_SECRET, "rotated")));

            JsonNode reply = leaked.call("reload", null);

            assertEquals(List.of("admin-secret set -> set"), changes(reply.path("applied")));
            assertEquals(ErrorCode.FORBIDDEN,
                    assertThrows(ChanmuxException.class, () -> leaked.call("channels", null)).error());
            leaked.ping(); // still connected, just no longer an admin
            try (ChanmuxClient rotated = relay.rawClient()) {
                rotated.call("hello", ControlCodec.object().put("admin", "rotated"));
                assertTrue(rotated.call("channels", null).path("channels").isArray());
            }
        }
    }

    @Test
    void shouldRefuseRequestsOfSessionsThatProvedTheOldSecretUntilTheyProveTheNewOne() throws Exception {
        sources.set(TestRelay.config(b -> b.set(Settings.ADMIN_SECRET, ADMIN).set(Settings.SECRET, "old")));
        try (TestRelay relay = TestRelay.start(sources);
             ChanmuxClient member = relay.rawClient()) {
            member.call("hello", ControlCodec.object().put("auth", "old"));
            ChannelInfo channel = member.create(CreateOptions.DEFAULTS);
            ChanmuxClient admin = admin(relay.control(), "old");
            sources.set(TestRelay.config(b -> b.set(Settings.ADMIN_SECRET, ADMIN).set(Settings.SECRET, "new")));

            assertEquals(List.of("secret set -> set"), changes(admin.call("reload", null).path("applied")));

            ChanmuxException refused = assertThrows(ChanmuxException.class, member::list);
            assertEquals(ErrorCode.UNAUTHORIZED, refused.error());
            assertTrue(refused.getMessage().contains("the server's secret has changed"), refused.getMessage());
            assertEquals(1, relay.server().directory().channels().size(), "its channel lives on");
            assertEquals(ErrorCode.UNAUTHORIZED, assertThrows(ChanmuxException.class,
                    () -> member.call("hello", ControlCodec.object().put("auth", "old"))).error());
            member.call("hello", ControlCodec.object().put("auth", "new"));
            assertEquals(channel.channel(), member.list().getFirst().channel());
        }
    }

    @Test
    void shouldRefuseNewConnectionsPastALoweredSessionLimitAndKeepTheOpenOnes() throws Exception {
        try (TestRelay relay = TestRelay.start(sources)) {
            ChanmuxClient admin = admin(relay.control());
            TestClient other = relay.client("other");
            sources.set(TestRelay.config(b -> b.set(Settings.ADMIN_SECRET, ADMIN).set(Settings.MAX_SESSIONS, 2)));

            admin.call("reload", null);

            try (RawControlConnection third = new RawControlConnection(relay.control())) {
                assertEquals("limit", third.readMessage().path("error").asText());
            }
            other.control().ping();
            admin.ping();
            assertEquals(1, relay.server().listener().closedBy(SessionCloseReason.REJECTED));
        }
    }

    @Test
    void shouldApplyALowerPeerRateToLivePeersOnSighupWithoutDroppingASession(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("chanmux.json");
        Files.writeString(file, "{\"peer-rate-pps\": 1000, \"admin-secret\": \"" + ADMIN + "\"}");
        try (ServerProcess server = ServerProcess.start("--config", file.toString(), "--udp-ports", "42200-42299",
                "--max-channels", "50")) {
            InetSocketAddress control = server.control();
            ChanmuxClient admin = admin(control);
            ChannelInfo channel = TestClient.connect(control, "owner").create();
            TestPeer fast = quiet(TestClient.connect(control, "fast").join(channel.channel()));
            TestPeer listener = quiet(TestClient.connect(control, "listener").join(channel.channel()));
            RateLimitedTraffic traffic = new RateLimitedTraffic(fast, listener, counter -> stat(admin, counter), 10);
            traffic.send(40);
            assertEquals(0, stat(admin, RelayCounter.DROP_RATE_LIMITED));

            Files.writeString(file, "{\"peer-rate-pps\": 5, \"max-channels\": 10, \"admin-secret\": \"" + ADMIN + "\"}");
            server.signal("HUP");
            await().until(() -> server.lines().stream().anyMatch(l -> l.contains("config reload (SIGHUP): applied "
                    + "--peer-rate-pps 1000 -> 5; overridden by a flag or the environment (the file's value does not "
                    + "count) --max-channels")));
            long started = System.nanoTime();
            traffic.send(40);
            double seconds = (System.nanoTime() - started) / 1e9;

            long forwardedAfter = stat(admin, RelayCounter.FORWARDED) - 40;
            assertTrue(forwardedAfter <= 5 + Math.ceil(seconds * 5) + 1, forwardedAfter + " forwarded in " + seconds + " s");
            assertEquals(40 - forwardedAfter, stat(admin, RelayCounter.DROP_RATE_LIMITED));
            JsonNode stats = admin.stats();
            assertEquals(4, stats.path("sessions").asInt(), "owner, two peers and the admin: none dropped");
            assertEquals(2, stats.path("peers").asInt());
            stats.path("sessionsClosed").properties().forEach(e -> assertEquals(0, e.getValue().asLong(), e.getKey()));

            // A file that is not JSON changes nothing, and the log does not echo it (it may hold a secret).
            Files.writeString(file, "{\"secret\": hunter2");
            server.signal("HUP");
            String refused = await().until(() -> server.lines().stream()
                    .filter(l -> l.contains("config reload (SIGHUP) refused, nothing changed")).findFirst().orElse(""),
                    line -> !line.isEmpty());
            assertTrue(refused.contains("is not valid JSON (line 1, column "), refused);
            assertTrue(server.lines().stream().noneMatch(l -> l.contains("hunter2")), "the secret reached the log");
            admin.ping();
        }
    }

    /** The peer with its keepalive stopped, so every datagram the relay counts is the test's. */
    private static TestPeer quiet(TestPeer peer) {
        peer.handle().stopKeepalive();
        return peer;
    }

    private static ChanmuxClient admin(InetSocketAddress control) throws IOException {
        return admin(control, null);
    }

    /** An admin session whose hello also proves {@code secret} (none: null). */
    private static ChanmuxClient admin(InetSocketAddress control, String secret) throws IOException {
        ChanmuxClient admin = ChanmuxClient.connect(control, e -> { }, Duration.ofSeconds(5));
        admin.call("hello", ControlCodec.object().put("client", "ops").put("admin", ADMIN).put("auth", secret));
        return admin;
    }

    /** A relay counter from {@code stats}: top level, or under {@code dropped} for a drop reason. */
    private static long stat(ChanmuxClient admin, RelayCounter counter) {
        try {
            JsonNode stats = admin.stats();
            JsonNode top = stats.path(counter.wireName());
            return top.isMissingNode() ? stats.path("dropped").path(counter.wireName()).asLong() : top.asLong();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static List<String> changes(JsonNode list) {
        List<String> changes = new ArrayList<>();
        list.forEach(c -> changes.add(c.path("setting").asText() + " " + c.path("from").asText() + " -> "
                + c.path("to").asText()));
        return changes.stream().sorted().toList();
    }
}
