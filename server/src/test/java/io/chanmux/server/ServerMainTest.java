package io.chanmux.server;

import org.junit.jupiter.api.Test;
import picocli.CommandLine;

import java.io.PrintWriter;
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
        for (String option : new String[] {"--control-port", "--bind", "--udp-ports", "--pools", "--peer-timeout",
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
}
