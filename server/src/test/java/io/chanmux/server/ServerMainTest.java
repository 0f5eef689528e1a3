package io.chanmux.server;

import org.junit.jupiter.api.Test;
import picocli.CommandLine;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.io.TempDir;
import java.io.StringWriter;
import java.time.Duration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ServerMainTest {

    @Test
    void shouldBuildTheConfigFromFlagsWhenAllAreGiven() {
        ServerMain main = new ServerMain();
        new CommandLine(main).parseArgs("--control-port", "0", "--bind", "127.0.0.1", "--udp-ports", "5000-5009",
                "--pools", "3", "--peer-timeout", "500ms", "--bind-timeout", "2m", "--max-datagram", "900");

        ServerConfig config = main.toConfig();

        assertEquals(0, config.controlPort());
        assertEquals("127.0.0.1", config.bindAddress().getHostAddress());
        assertEquals(5000, config.udpPortLow());
        assertEquals(5009, config.udpPortHigh());
        assertEquals(3, config.pools());
        assertEquals(Duration.ofMillis(500), config.peerTimeout());
        assertEquals(Duration.ofMinutes(2), config.bindTimeout());
        assertEquals(900, config.maxDatagramBytes());
    }

    @Test
    void shouldUseTheDocumentedDefaultsWhenNoFlagsAreGiven() {
        ServerMain main = new ServerMain();
        new CommandLine(main).parseArgs();

        ServerConfig config = main.toConfig();

        assertEquals(7700, config.controlPort());
        assertEquals("0.0.0.0", config.bindAddress().getHostAddress());
        assertEquals(40_000, config.udpPortLow());
        assertEquals(40_999, config.udpPortHigh());
        assertEquals(-1, config.udpPort(), "a port per channel");
        assertEquals(Math.max(1, Runtime.getRuntime().availableProcessors() - 1), config.pools());
        assertEquals(Duration.ofSeconds(30), config.peerTimeout());
        assertEquals(1500, config.maxDatagramBytes());
    }

    @Test
    void shouldNameTheSettingAndValueWhenAFlagIsInvalid() {
        String errors = runCapturingErrors("--udp-ports", "9000-8000", "--max-datagram", "10");

        assertTrue(errors.contains("--udp-ports: 9000-8000"), errors);
        assertTrue(errors.contains("--max-datagram: 10"), errors);
    }

    @Test
    void shouldPutEveryChannelOnOnePortWhenUdpPortIsGivenAndRefuseItWithARange() {
        ServerMain main = new ServerMain();
        new CommandLine(main).parseArgs("--udp-port", "10000", "--bind", "::");
        ServerConfig config = main.toConfig();
        assertEquals(10_000, config.udpPort());
        assertTrue(config.toString().contains("bind=::, controlPort=7700, udpPort=10000,"), config.toString());

        String errors = runCapturingErrors("--udp-port", "10000", "--udp-ports", "40000-40999");
        assertTrue(errors.contains("--udp-port 10000 and --udp-ports 40000-40999 exclude each other"), errors);
        assertTrue(runCapturingErrors("--udp-port", "70000").contains("--udp-port: 70000 is not a port"));
    }

    @Test
    void shouldRejectAnUnparsableDurationWithItsOptionName() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> ServerMain.parseDuration("--peer-timeout", "soon"));
        assertTrue(e.getMessage().startsWith("--peer-timeout: 'soon'"));
        assertEquals(Duration.ofSeconds(45), ServerMain.parseDuration("--peer-timeout", "PT45S"));
    }

    @Test
    void shouldListEveryOptionWithItsDefaultInHelp() {
        StringWriter out = new StringWriter();
        CommandLine cmd = new CommandLine(new ServerMain());
        cmd.setOut(new PrintWriter(out));
        assertEquals(0, cmd.execute("--help"));
        for (String option : new String[] {"--control-port", "--bind", "--udp-ports", "--udp-port", "--pools", "--peer-timeout",
                "--max-datagram"}) {
            assertTrue(out.toString().contains(option), option);
        }
        assertTrue(out.toString().replaceAll("\\s+", " ").contains("(default: 7700)"), out.toString());
    }

    private static String runCapturingErrors(String... args) {
        StringWriter err = new StringWriter();
        ServerMain main = new ServerMain();
        CommandLine cmd = new CommandLine(main);
        cmd.parseArgs(args);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, main::toConfig);
        err.write(e.getMessage());
        return err.toString();
    }

    @Test
    void shouldLetFlagsWinOverEnvironmentAndEnvironmentOverTheConfigFile(@TempDir Path dir) throws IOException {
        Path file = dir.resolve("chanmux.json");
        Files.writeString(file, "{\"peer-timeout\": \"5s\", \"bind-timeout\": \"6s\", \"max-peers\": 12,"
                + " \"control-port\": 7001}");
        Map<String, String> env = Map.of("CHANMUX_PEER_TIMEOUT", "7s", "CHANMUX_BIND_TIMEOUT", "8s");

        ServerConfig config = configFrom(env, "--config", file.toString(), "--peer-timeout", "9s");

        assertEquals(Duration.ofSeconds(9), config.peerTimeout(), "flag over env and file");
        assertEquals(Duration.ofSeconds(8), config.bindTimeout(), "env over file");
        assertEquals(12, config.maxPeersPerChannel(), "file over default");
        assertEquals(7001, config.controlPort());
        assertEquals(1500, config.maxDatagramBytes(), "default when nobody sets it");
    }

    @Test
    void shouldFindTheConfigFileThroughTheEnvironment(@TempDir Path dir) throws IOException {
        Path file = dir.resolve("c.json");
        Files.writeString(file, "{\"udp-ports\": \"6000-6001\"}");

        ServerConfig config = configFrom(Map.of("CHANMUX_CONFIG", file.toString()));

        assertEquals(6000, config.udpPortLow());
    }

    @Test
    void shouldRefuseAConfigFileWithAnUnknownSettingOrBadJson(@TempDir Path dir) throws IOException {
        Path typo = dir.resolve("typo.json");
        Files.writeString(typo, "{\"peer-timout\": \"5s\"}");
        Path broken = dir.resolve("broken.json");
        Files.writeString(broken, "{peer-timeout: 5s");

        IllegalArgumentException unknown = assertThrows(IllegalArgumentException.class,
                () -> ServerMain.commandLine(new String[] {"--config", typo.toString()}, Map.of()));
        IllegalArgumentException unreadable = assertThrows(IllegalArgumentException.class,
                () -> ServerMain.commandLine(new String[] {"--config", broken.toString()}, Map.of()));

        assertTrue(unknown.getMessage().contains("peer-timout"), unknown.getMessage());
        assertTrue(unreadable.getMessage().startsWith("--config: cannot read"), unreadable.getMessage());
        assertEquals(2, ServerMain.run(new String[] {"--config", typo.toString()}, Map.of()));
    }

    @Test
    void shouldNameTheEnvironmentValueWhenItIsInvalid() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> configFrom(Map.of("CHANMUX_PEER_TIMEOUT", "forever")));
        assertTrue(e.getMessage().contains("--peer-timeout: 'forever'"), e.getMessage());
    }

    private static ServerConfig configFrom(Map<String, String> env, String... args) {
        CommandLine cmd = ServerMain.commandLine(args, env);
        cmd.parseArgs(args);
        return ((ServerMain) cmd.getCommand()).toConfig();
    }
}
