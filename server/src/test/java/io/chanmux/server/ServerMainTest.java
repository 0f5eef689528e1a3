package io.chanmux.server;

import io.chanmux.server.config.PortRange;
import io.chanmux.server.config.ServerConfig;
import io.chanmux.server.config.Setting;
import io.chanmux.server.config.Settings;
import io.chanmux.server.log.LogFormat;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.FieldSource;
import picocli.CommandLine;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ServerMainTest {
    static final List<Setting<?>> EVERY_SETTING = Settings.ALL;

    @Test
    void shouldBuildTheConfigFromFlagsWhenAllAreGiven() {
        ServerConfig config = configFrom(Map.of(), "--control-port", "0", "--bind", "127.0.0.1",
                "--udp-ports", "5000-5009", "--pools", "3", "--peer-timeout", "500ms", "--bind-timeout", "2m",
                "--max-datagram", "900", "--pool-queue-capacity", "64", "--session-outbound-bytes", "200000");

        assertEquals(0, config.get(Settings.CONTROL_PORT));
        assertEquals("127.0.0.1", config.get(Settings.BIND).getHostAddress());
        assertEquals(new PortRange(5000, 5009), config.get(Settings.UDP_PORTS));
        assertEquals(3, config.get(Settings.POOLS));
        assertEquals(Duration.ofMillis(500), config.get(Settings.PEER_TIMEOUT));
        assertEquals(Duration.ofMinutes(2), config.get(Settings.BIND_TIMEOUT));
        assertEquals(900, config.get(Settings.MAX_DATAGRAM));
        assertEquals(64, config.get(Settings.POOL_QUEUE_CAPACITY));
        assertEquals(200_000, config.get(Settings.SESSION_OUTBOUND_BYTES));
    }

    @Test
    void shouldUseTheDocumentedDefaultsWhenNoFlagsAreGiven() {
        ServerConfig config = configFrom(Map.of());

        assertEquals(7700, config.get(Settings.CONTROL_PORT));
        assertEquals("0.0.0.0", config.get(Settings.BIND).getHostAddress());
        assertEquals(new PortRange(40_000, 40_999), config.get(Settings.UDP_PORTS));
        assertEquals(Math.max(1, Runtime.getRuntime().availableProcessors() - 1), config.get(Settings.POOLS));
        assertEquals(Duration.ofSeconds(30), config.get(Settings.PEER_TIMEOUT));
        assertEquals(1500, config.get(Settings.MAX_DATAGRAM));
        assertEquals(16_384, config.get(Settings.POOL_QUEUE_CAPACITY));
        assertEquals(262_144, config.get(Settings.SESSION_OUTBOUND_BYTES));
        assertEquals(null, config.get(Settings.SECRET));
        assertEquals(-1, config.get(Settings.UDP_PORT), "a port per channel");
    }

    @Test
    void shouldNameTheSettingAndValueWhenAFlagIsInvalid() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> configFrom(Map.of(), "--udp-ports", "9000-8000", "--max-datagram", "10"));

        assertTrue(e.getMessage().contains("--udp-ports: 9000-8000"), e.getMessage());
        assertTrue(e.getMessage().contains("--max-datagram: 10"), e.getMessage());
    }

    @ParameterizedTest
    @FieldSource("EVERY_SETTING")
    void shouldNameTheOptionWhenItsValueIsEmpty(Setting<?> setting) {
        // The empty text is bad for every type: not a number, duration, range or address, and an empty secret.
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> configFrom(Map.of(), setting.option(), ""));

        assertTrue(e.getMessage().startsWith(setting.option() + ": "), e.getMessage());
    }

    @Test
    void shouldTakeTheLogFormatFromTheFlagOrTheEnvironmentAndNameAnUnknownOne() {
        assertEquals(LogFormat.TEXT, configFrom(Map.of()).get(Settings.LOG_FORMAT), "text by default");
        assertEquals(LogFormat.JSON, configFrom(Map.of(), "--log-format", "json").get(Settings.LOG_FORMAT));
        assertEquals(LogFormat.JSON, configFrom(Map.of("CHANMUX_LOG_FORMAT", "JSON")).get(Settings.LOG_FORMAT));

        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> configFrom(Map.of(), "--log-format", "logfmt"));
        assertEquals("--log-format: 'logfmt' is not text or json", e.getMessage());
    }

    @Test
    void shouldPutEveryChannelOnOnePortWhenUdpPortIsGivenAndRefuseItWithARange() {
        ServerConfig config = configFrom(Map.of(), "--udp-port", "10000", "--bind", "::");
        assertEquals(10_000, config.get(Settings.UDP_PORT));
        assertTrue(config.toString().contains("udp-port=10000"), config.toString());

        IllegalArgumentException both = assertThrows(IllegalArgumentException.class,
                () -> configFrom(Map.of(), "--udp-port", "10000", "--udp-ports", "41000-41999"));
        assertTrue(both.getMessage().contains("--udp-port and --udp-ports exclude each other"), both.getMessage());
        IllegalArgumentException range = assertThrows(IllegalArgumentException.class,
                () -> configFrom(Map.of(), "--udp-port", "70000"));
        assertTrue(range.getMessage().contains("--udp-port: 70000 is not a port"), range.getMessage());
    }

    @Test
    void shouldExitWithStatusTwoWhenAValueIsBad() {
        assertEquals(2, ServerMain.run(new String[] {"--peer-timeout", "soon"}, Map.of()));
        assertEquals(2, ServerMain.run(new String[] {"--max-sessions", "0"}, Map.of()));
        assertEquals(2, ServerMain.run(new String[0], Map.of("CHANMUX_MAX_DATAGRAM", "huge")));
    }

    @Test
    void shouldListEveryOptionWithItsDefaultInHelp() {
        String help = help(Map.of());

        assertTrue(help.contains("--config"), help);
        assertTrue(help.contains("--version"), help);
        for (Setting<?> setting : Settings.ALL) {
            assertTrue(help.contains(setting.option() + "=" + setting.paramLabel()), setting.option());
        }
        assertTrue(help.contains("free port (default: 7700)."), help);
        assertTrue(help.contains("(default: cores - 1, at least 1; here " + Settings.POOLS.defaultText() + ")"), help);
        assertTrue(help.contains("(default: none)"), help);
    }

    @Test
    void shouldShowAnEnvironmentValueAsTheDefaultInHelpButNeverASecret() {
        String help = help(Map.of("CHANMUX_PEER_TIMEOUT", "42s", "CHANMUX_SECRET", "hunter2"));

        assertTrue(help.contains("(default: 42s)"), help);
        assertFalse(help.contains("hunter2"), help);
    }

    @Test
    void shouldLetFlagsWinOverEnvironmentAndEnvironmentOverTheConfigFile(@TempDir Path dir) throws IOException {
        Path file = dir.resolve("chanmux.json");
        Files.writeString(file, "{\"peer-timeout\": \"5s\", \"bind-timeout\": \"6s\", \"max-peers\": 12,"
                + " \"control-port\": 7001, \"session-outbound-bytes\": 300000}");
        Map<String, String> env = Map.of("CHANMUX_PEER_TIMEOUT", "7s", "CHANMUX_BIND_TIMEOUT", "8s",
                "CHANMUX_POOL_QUEUE_CAPACITY", "128");

        ServerConfig config = configFrom(env, "--config", file.toString(), "--peer-timeout", "9s");

        assertEquals(Duration.ofSeconds(9), config.get(Settings.PEER_TIMEOUT), "flag over env and file");
        assertEquals(Duration.ofSeconds(8), config.get(Settings.BIND_TIMEOUT), "env over file");
        assertEquals(12, config.get(Settings.MAX_PEERS), "file over default");
        assertEquals(7001, config.get(Settings.CONTROL_PORT));
        assertEquals(128, config.get(Settings.POOL_QUEUE_CAPACITY), "env");
        assertEquals(300_000, config.get(Settings.SESSION_OUTBOUND_BYTES), "file");
        assertEquals(1500, config.get(Settings.MAX_DATAGRAM), "default when nobody sets it");
    }

    @Test
    void shouldFindTheConfigFileThroughTheEnvironment(@TempDir Path dir) throws IOException {
        Path file = dir.resolve("c.json");
        Files.writeString(file, "{\"udp-ports\": \"6000-6001\"}");

        ServerConfig config = configFrom(Map.of("CHANMUX_CONFIG", file.toString()));

        assertEquals(new PortRange(6000, 6001), config.get(Settings.UDP_PORTS));
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
        assertTrue(unreadable.getMessage().endsWith("broken.json is not valid JSON (line 1, column 2)"),
                unreadable.getMessage());
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

    private static String help(Map<String, String> env) {
        StringWriter out = new StringWriter();
        CommandLine cmd = ServerMain.commandLine(new String[0], env);
        cmd.setOut(new PrintWriter(out));
        assertEquals(0, cmd.execute("--help"));
        return out.toString().replaceAll("\\s+", " ");
    }
}
