package io.chanmux.loadtest;

import io.chanmux.server.config.PortRange;
import io.chanmux.server.config.Settings;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.chanmux.loadtest.probe.RelayStats;
import io.chanmux.server.ChanmuxServer;
import io.chanmux.server.config.ServerConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The capacity mode: one session and one socket carry peers of many channels, which keep alive. */
@Timeout(60)
class CapacityRunTest {
    /**
     * These runs check what the server held, not the generator; on a busy test machine a short
     * join phase may show the generator at its CPU limit, which must not fail them.
     */
    private static final String ALLOW_BOUND = "--allow-generator-bound";

    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();

    @TempDir
    Path dir;

    @Test
    void shouldHoldEveryPeerOnSharedSessionsAndSocketsWhenRunAgainstAnEmbeddedSinglePortServer() throws Exception {
        Path json = dir.resolve("capacity.json");

        int status = run(ALLOW_BOUND, "--embedded", "--peers-per-socket", "25", "--channels", "60", "--peers-per-channel", "3",
                "--duration", "1s", "--keepalive", "200ms", "--json", json.toString());

        assertEquals(LoadTestMain.EXIT_PASSED, status, "stdout:\n" + out + "\nstderr:\n" + err);
        JsonNode report = new ObjectMapper().readTree(json.toFile());
        assertEquals(60, report.at("/channelsCreated").asInt());
        assertEquals(180, report.at("/peersBound").asLong());
        assertEquals(60, report.at("/serverChannelsEnd").asLong());
        assertEquals(180, report.at("/serverPeersEnd").asLong(), "a peer was lost during the hold");
        assertTrue(report.at("/pongs").asLong() > 0);
        assertEquals(0, report.at("/rebinds").asLong());
        assertTrue(report.at("/rssBytesPerPeer").isNumber());
        assertEquals("generatorBound", report.fieldNames().next(), "the generator's check comes first");
        JsonNode generator = report.at("/generator");
        assertTrue(generator.at("/checked").asBoolean() ? generator.at("/cpuPercentOfCores").isNumber()
                : generator.at("/cpuPercentOfCores").isNull(), generator.toString());
        assertEquals(generator.at("/bound").asBoolean(), report.at("/generatorBound").asBoolean());
        assertTrue(out.toString(StandardCharsets.UTF_8).contains("verdict     PASS"), out.toString());
    }

    @Test
    void shouldJudgeTheGeneratorOnTheBusierPhaseSoThatWaitingCannotDiluteIt() {
        long second = 1_000_000_000L;
        // Creating channels: 0.2 s of CPU in 4 s (5 %); joining peers: 1.9 s of CPU in 2 s (95 %).
        assertEquals(95.0, CapacityRun.busiestPhasePercent(100, 120, 4 * second, 310, 2 * second), 1e-9);
        // A phase under a second is too coarse in 10 ms ticks to judge; the other still counts.
        assertEquals(5.0, CapacityRun.busiestPhasePercent(100, 120, 4 * second, 200, second / 2), 1e-9);
        assertEquals(-1, CapacityRun.busiestPhasePercent(100, 101, second / 10, 200, second / 2));
        assertEquals(-1, CapacityRun.busiestPhasePercent(-1, 120, 4 * second, -1, 2 * second), "ticks unreadable");
    }

    @Test
    void shouldCarryPeersOfChannelsOnDifferentPortsOnOneSocketAndLeaveNothingBehind() throws Exception {
        ServerConfig config = ServerConfig.builder().set(Settings.BIND, InetAddress.ofLiteral("127.0.0.1"))
                .set(Settings.CONTROL_PORT, 0).set(Settings.METRICS_PORT, -1).set(Settings.UDP_PORTS, new PortRange(36_100, 36_199)).set(Settings.MAX_CHANNELS_PER_SESSION, 10)
                .set(Settings.REQUEST_RATE, 10_000).build();
        try (ChanmuxServer server = ChanmuxServer.start(config)) {
            int status = run(ALLOW_BOUND, "--server", "127.0.0.1:" + server.controlAddress().getPort(),
                    "--peers-per-socket", "10",
                    "--channels", "20", "--peers-per-channel", "2", "--duration", "500ms", "--keepalive", "200ms");

            assertEquals(LoadTestMain.EXIT_PASSED, status, "stdout:\n" + out + "\nstderr:\n" + err);
            try (RelayStats stats = RelayStats.connect(server.controlAddress(), null, Duration.ofSeconds(5))) {
                await().atMost(Duration.ofSeconds(10)).until(() -> stats.snapshot().counter("channels") == 0);
                assertEquals(0, stats.snapshot().counter("peers"));
            }
        }
    }

    private int run(String... args) {
        return LoadTestMain.run(args, new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
    }
}
