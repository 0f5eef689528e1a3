package io.chanmux.loadtest;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.chanmux.loadtest.probe.RelayStats;
import io.chanmux.loadtest.report.JsonReport;
import io.chanmux.server.ChanmuxServer;
import io.chanmux.server.cluster.RedisCluster;
import io.chanmux.server.cluster.RedisServer;
import io.chanmux.server.config.PortRange;
import io.chanmux.server.config.ServerConfig;
import io.chanmux.server.config.Settings;
import io.chanmux.server.control.SessionCloseReason;
import io.chanmux.server.control.tls.TestCertificates;
import io.chanmux.server.control.tls.TestCertificates.Pem;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.stream.Stream;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Whole runs against a real server on loopback: a few hundred peers, a low rate, a short window. */
@Timeout(60)
class LoadTestEndToEndTest {
    /**
     * These runs check what the relay delivered, not the generator; on a busy test machine the
     * generator's scheduler may lag past its limit, which must not fail them.
     */
    private static final String ALLOW_BOUND = "--allow-generator-bound";

    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();

    @TempDir
    Path dir;

    @Test
    void shouldDeliverEveryDatagramAndWriteCompleteReportsWhenRunAgainstAnEmbeddedServer() throws Exception {
        Path json = dir.resolve("run.json");
        Path html = dir.resolve("run.html");

        int status = run(ALLOW_BOUND, "--embedded", "--channels", "60", "--peers-per-channel", "4", "--rate", "600",
                "--duration", "2s", "--warmup", "1s", "--ramp", "1000", "--json", json.toString(),
                "--html", html.toString());

        assertEquals(LoadTestMain.EXIT_PASSED, status, "stdout:\n" + out + "\nstderr:\n" + err);
        JsonNode report = new ObjectMapper().readTree(json.toFile());
        for (String key : JsonReport.REQUIRED_KEYS) {
            assertFalse(report.at(key).isMissingNode(), "missing " + key);
        }
        assertEquals(240, report.at("/connect/peersConnected").asInt());
        assertEquals(0, report.at("/traffic/lost").asLong());
        assertEquals(0, report.at("/traffic/duplicates").asLong());
        assertEquals(0, report.at("/traffic/echoed").asLong());
        assertEquals(0, report.at("/traffic/corruptTotal").asLong());
        long expected = report.at("/traffic/expected").asLong();
        assertEquals(1200 * 3, expected, 3 * 240, "about 2 s x 600/s datagrams, each to 3 receivers");
        assertEquals(expected, report.at("/traffic/delivered").asLong());
        assertTrue(report.at("/latencyUs/count").asLong() > 0);
        assertTrue(report.at("/timeSeries").size() >= 2);
        assertTrue(report.at("/server/memory/rssBytesPerPeer").isNumber());
        assertTrue(report.at("/server/memory/heapBytesPerPeer").isNumber());
        assertTrue(Files.readString(html).contains("<svg"));
        assertTrue(out.toString(StandardCharsets.UTF_8).contains("PASS"));
    }

    @Test
    void shouldLeaveNoSessionBehindWhenRunAgainstAServerItDidNotStart() throws Exception {
        ServerConfig config = ServerConfig.builder().set(Settings.BIND, InetAddress.ofLiteral("127.0.0.1"))
                .set(Settings.CONTROL_PORT, 0).set(Settings.METRICS_PORT, 0).set(Settings.UDP_PORTS, new PortRange(36_000, 36_099)).build();
        try (ChanmuxServer server = ChanmuxServer.start(config)) {
            int port = server.controlAddress().getPort();

            int status = run(ALLOW_BOUND, "--server", "127.0.0.1:" + port, "--channels", "10", "--peers-per-channel", "3",
                    "--senders-per-channel", "1", "--rate", "100", "--duration", "1s", "--warmup", "0s");

            assertEquals(LoadTestMain.EXIT_PASSED, status, "stdout:\n" + out + "\nstderr:\n" + err);
            try (RelayStats stats = RelayStats.connect(server.controlAddress(), null, Duration.ofSeconds(5))) {
                // Only the asking session itself is left, and every channel went with its owner.
                await().atMost(Duration.ofSeconds(10)).until(() -> stats.snapshot().counter("sessions") == 1);
                await().atMost(Duration.ofSeconds(10)).until(() -> stats.snapshot().counter("channels") == 0);
                assertEquals(0, stats.snapshot().counter("peers"));
            }
        }
    }

    @Test
    void shouldConnectEverySessionOverTlsWhenTheServerHasACertificate() throws Exception {
        Pem pem = TestCertificates.server();
        ServerConfig config = ServerConfig.builder().set(Settings.BIND, InetAddress.ofLiteral("127.0.0.1"))
                .set(Settings.CONTROL_PORT, 0).set(Settings.METRICS_PORT, -1).set(Settings.UDP_PORTS, new PortRange(36_100, 36_199))
                .set(Settings.TLS_CERT, pem.certificate()).set(Settings.TLS_KEY, pem.key()).build();
        try (ChanmuxServer server = ChanmuxServer.start(config)) {
            Path json = dir.resolve("tls.json");

            int status = run(ALLOW_BOUND, "--server", "127.0.0.1:" + server.controlAddress().getPort(), "--tls-insecure",
                    "--channels", "3", "--peers-per-channel", "2", "--rate", "60", "--duration", "1s",
                    "--warmup", "0s", "--json", json.toString());

            assertEquals(LoadTestMain.EXIT_PASSED, status, "stdout:\n" + out + "\nstderr:\n" + err);
            JsonNode report = new ObjectMapper().readTree(json.toFile());
            assertEquals(6, report.at("/connect/peersConnected").asInt());
            assertEquals("TLS, trusting any certificate", report.at("/config/tls").asText());
            assertTrue(err.toString(StandardCharsets.UTF_8).contains("warning: --tls-insecure"), err.toString());
            assertEquals(0, server.listener().closedBy(SessionCloseReason.TLS_HANDSHAKE));
        }
    }

    @Test
    void shouldReportTheDeliveriesOfEachNodeWhenRunAcrossAThreeNodeCluster() throws Exception {
        try (RedisServer redis = RedisServer.start();
             ChanmuxServer a = clusterNode(redis, "a", 36_200);
             ChanmuxServer b = clusterNode(redis, "b", 36_300);
             ChanmuxServer c = clusterNode(redis, "c", 36_400)) {
            await().atMost(Duration.ofSeconds(5)).until(() -> a.cluster().nodes().path("nodes").size() == 3);
            Path json = dir.resolve("cluster.json");

            int status = run(ALLOW_BOUND, "--server", "127.0.0.1:" + a.controlAddress().getPort(), "--channels", "30",
                    "--peers-per-channel", "3", "--rate", "300", "--duration", "2s", "--warmup", "1s",
                    "--json", json.toString());

            assertEquals(LoadTestMain.EXIT_PASSED, status, "stdout:\n" + out + "\nstderr:\n" + err);
            JsonNode report = new ObjectMapper().readTree(json.toFile());
            JsonNode nodes = report.at("/nodes");
            RedisCluster view = (RedisCluster) a.cluster();
            assertEquals(3, nodes.size(), nodes + "; node a's Redis errors: " + view.redisErrors() + ", moves: "
                    + view.movesAnswered() + ", view now: " + view.nodes());
            long delivered = 0;
            int channels = 0;
            for (JsonNode node : nodes) {
                // Creates run in parallel, so placement may be off by a few from 10 each.
                // How evenly depends on heartbeat timing on a busy machine; ClusterTest checks the balance itself.
                assertTrue(node.path("channels").asInt() >= 1, "placed over every node: " + nodes);
                channels += node.path("channels").asInt();
                assertTrue(node.path("deliveredPerSecond").asDouble() > 0, nodes.toString());
                delivered += node.path("delivered").asLong();
            }
            assertEquals(30, channels);
            assertEquals(report.at("/traffic/delivered").asLong(), delivered);
            assertEquals(0, report.at("/traffic/lost").asLong());
            String console = out.toString(StandardCharsets.UTF_8);
            assertTrue(console.contains("via node a") && console.contains("via node c"), console);
        }
    }

    private static ChanmuxServer clusterNode(RedisServer redis, String id, int udpLow) throws IOException {
        return ChanmuxServer.start(ServerConfig.builder().set(Settings.BIND, InetAddress.ofLiteral("127.0.0.1"))
                .set(Settings.CONTROL_PORT, 0).set(Settings.METRICS_PORT, -1)
                .set(Settings.UDP_PORTS, new PortRange(udpLow, udpLow + 99)).set(Settings.POOLS, 1)
                .set(Settings.CLUSTER, redis.uri()).set(Settings.NODE_ID, id)
                // No node of this test dies: a long lifetime keeps one late heartbeat on a busy machine
                // from dropping a node from the others' view, which would place every channel on "a".
                .set(Settings.NODE_TTL, Duration.ofSeconds(30))
                .set(Settings.MAX_SESSIONS_PER_ADDRESS, 0) // 120 sessions from 127.0.0.1
                .build());
    }

    @Test
    void shouldRunAStepPerRateAndReportEveryStepWhenASweepIsGiven() throws Exception {
        Path json = dir.resolve("sweep.json");
        Path html = dir.resolve("sweep.html");

        int status = run(ALLOW_BOUND, "--embedded", "--channels", "4", "--peers-per-channel", "3", "--sweep", "60,120",
                "--duration", "1s", "--warmup", "0s", "--ramp", "1000", "--json", json.toString(),
                "--html", html.toString());

        assertEquals(LoadTestMain.EXIT_PASSED, status, "stdout:\n" + out + "\nstderr:\n" + err);
        JsonNode report = new ObjectMapper().readTree(json.toFile());
        assertEquals("sweep", report.at("/kind").asText());
        assertTrue(report.at("/completed").asBoolean());
        JsonNode steps = report.at("/steps");
        assertEquals(2, steps.size());
        assertEquals(60.0, steps.get(0).at("/rate").asDouble());
        assertEquals(120.0, steps.get(1).at("/rate").asDouble());
        for (JsonNode step : steps) {
            assertEquals(12, step.at("/run/connect/peersConnected").asInt(), "each step is a full run");
            assertTrue(step.at("/deliveredPerSecond").asDouble() > 0);
            assertFalse(step.at("/integrityFailed").asBoolean());
        }
        assertTrue(steps.get(1).at("/offeredPerSecond").asDouble() > steps.get(0).at("/offeredPerSecond").asDouble());
        assertTrue(Files.readString(html).contains("<svg"));
        String console = out.toString(StandardCharsets.UTF_8);
        assertTrue(console.contains("chanmux rate sweep:"), console);
        assertTrue(console.contains("sweep step 2 of 2"), console);
    }

    @Test
    void shouldExitWithStatusThreeWhenNoServerListens() {
        int status = run("--server", "127.0.0.1:1", "--channels", "1", "--duration", "1s");

        assertEquals(LoadTestMain.EXIT_ABORTED, status);
        assertTrue(err.toString(StandardCharsets.UTF_8).contains("cannot reach the chanmux server"), err.toString());
    }

    @Test
    void shouldFailAndSaySoFirstWhenTheLoadGeneratorCannotKeepItsSchedule() throws Exception {
        Path json = dir.resolve("bound.json");
        String[] args = unpaceable(json, "--rate", "2000000");

        String stdout = runExpectingFailure(args);

        String summary = stdout.substring(stdout.indexOf("\n\n") + 2);
        assertTrue(summary.startsWith("LOAD GENERATOR BOUND: the latency and loss below are the load generator's"),
                summary);
        JsonNode report = new ObjectMapper().readTree(json.toFile());
        assertTrue(report.at("/generatorBound").asBoolean());
        assertTrue(report.at("/generator/schedulerLagP99Us").asDouble() > 10_000, report.at("/generator").toString());
        assertFalse(report.at("/verdict/passed").asBoolean());

        assertPassesWhenAllowedAndStillSaysSoFirst(args);
    }

    @Test
    void shouldFailASweepAndSaySoFirstWhenTheLoadGeneratorCannotKeepItsSchedule() throws Exception {
        Path json = dir.resolve("bound-sweep.json");
        // No step can be paced, and with no knee (--max-loss 100) every step decides.
        String[] args = unpaceable(json, "--sweep", "1000000,2000000");

        String stdout = runExpectingFailure(args);

        String table = stdout.substring(stdout.lastIndexOf("\n\n") + 2);
        assertTrue(table.startsWith("LOAD GENERATOR BOUND: the latency and loss at steps 1, 2 are"), table);
        JsonNode report = new ObjectMapper().readTree(json.toFile());
        assertTrue(report.at("/generatorBound").asBoolean());
        assertEquals(LoadTestMain.EXIT_FAILED, report.at("/exitStatus").asInt());

        assertPassesWhenAllowedAndStillSaysSoFirst(args);
    }

    /**
     * A run at {@code load} (about 1 M datagrams/s per sender), far beyond what the generator can
     * pace, so its scheduler lag explodes; --max-loss 100 leaves the generator check as the only
     * way to fail.
     */
    private static String[] unpaceable(Path json, String... load) {
        return Stream.concat(Stream.of("--embedded", "--channels", "1", "--peers-per-channel", "2", "--duration", "1s",
                "--warmup", "0s", "--drain", "1s", "--max-loss", "100", "--json", json.toString()), Arrays.stream(load))
                .toArray(String[]::new);
    }

    /** Runs {@code args}, checks that the run failed (exit 1) and returns what it printed. */
    private String runExpectingFailure(String... args) {
        int status = run(args);
        String stdout = out.toString(StandardCharsets.UTF_8);
        assertEquals(LoadTestMain.EXIT_FAILED, status, "stdout:\n" + stdout + "\nstderr:\n" + err);
        return stdout;
    }

    /** Runs {@code args} again with --allow-generator-bound: the run passes, and still says first that it was bound. */
    private void assertPassesWhenAllowedAndStillSaysSoFirst(String... args) {
        out.reset();
        int allowed = run(Stream.concat(Arrays.stream(args), Stream.of(ALLOW_BOUND)).toArray(String[]::new));

        assertEquals(LoadTestMain.EXIT_PASSED, allowed, "stdout:\n" + out + "\nstderr:\n" + err);
        assertTrue(out.toString(StandardCharsets.UTF_8).contains("\nLOAD GENERATOR BOUND"), "still said first");
    }

    private int run(String... args) {
        return LoadTestMain.run(args, new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
    }
}
