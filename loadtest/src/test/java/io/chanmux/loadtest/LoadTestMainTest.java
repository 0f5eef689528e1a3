package io.chanmux.loadtest;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class LoadTestMainTest {
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {
            "--embedded --payload 10",
            "--embedded --server 127.0.0.1:7700",
            "--channels 3",
            "--embedded --scenario no-such-preset",
            "--embedded --rate fast",
            "--embedded --rate 0",
            "--embedded --peers-per-channel 1",
            "--embedded --peers-per-channel 4 --senders-per-channel 5",
            "--embedded --duration soon",
            "--embedded --max-loss 150",
            "--embedded --keepalive 60s",
            "--embedded --server-pid 42",
            "--server nohost",
            "--embedded --sweep 1000,fast",
            "--embedded --sweep 1000,,2000",
            "--embedded --sweep 2000,1000",
            "--embedded --sweep 1000,1000",
            "--embedded --sweep 0,1000",
            "--embedded --sweep max",
            "--embedded --sweep 1000,2000 --rate 500",
            "--embedded --tls-insecure",
            "--server 127.0.0.1:7700 --tls --tls-insecure",
            "--embedded --no-such-option"})
    void shouldExitWithStatusTwoWhenAnOptionIsBad(String args) {
        int status = run(args.split(" "));

        assertEquals(LoadTestMain.EXIT_USAGE, status, "stderr: " + err);
        assertTrue(err.toString(StandardCharsets.UTF_8).startsWith("chanmux-loadtest: "), "stderr: " + err);
    }

    @Test
    void shouldListThePresetsWhenAsked() {
        assertEquals(0, run("--list-scenarios"));

        String listing = out.toString(StandardCharsets.UTF_8);
        for (String name : new String[] {"voice-small", "fanout-large", "pairs", "scale-8000"}) {
            assertTrue(listing.contains(name), listing);
        }
    }

    @Test
    void shouldTakeThePresetAndLetExplicitOptionsOverrideItWhenAScenarioIsGiven() {
        LoadTestConfig config = parse("--embedded", "--scenario", "voice-small", "--channels", "10", "--duration", "3");

        assertEquals("voice-small", config.scenario());
        assertEquals(10, config.channels());
        assertEquals(4, config.peersPerChannel());
        assertEquals(160, config.payloadBytes());
        assertEquals(Duration.ofSeconds(3), config.duration());
        assertEquals(Duration.ofSeconds(5), config.warmup());
        assertEquals(10 * 4 * 50, config.ratePerSecond(), 1e-9, "the preset's rate is per sender");
    }

    @Test
    void shouldUseTheTotalRateWhenRateIsGivenExplicitly() {
        LoadTestConfig config = parse("--embedded", "--scenario", "voice-small", "--rate", "1234");

        assertEquals(1234, config.ratePerSecond(), 1e-9);
    }

    @Test
    void shouldSendAsFastAsPossibleWhenRateIsMax() {
        assertTrue(parse("--embedded", "--rate", "max").isMaxRate());
    }

    @Test
    void shouldSpreadThePeersOverTheDurationWhenRampIsADuration() {
        LoadTestConfig config = parse("--embedded", "--channels", "100", "--peers-per-channel", "4", "--ramp", "20s");

        assertEquals(20.0, config.rampPeersPerSecond(), 1e-9);
        assertEquals(250.0, parse("--embedded", "--ramp", "250").rampPeersPerSecond(), 1e-9);
    }

    @Test
    void shouldLetEveryPeerSendWhenSendersPerChannelIsNotGiven() {
        LoadTestConfig config = parse("--server", "127.0.0.1:7700", "--peers-per-channel", "6");

        assertEquals(6, config.sendersPerChannel());
        assertEquals("127.0.0.1", config.server().getAddress().getHostAddress());
        assertEquals(7700, config.server().getPort());
    }

    @Test
    void shouldTakeTheSweepRatesInOrderAndStartAtTheFirstWhenSweepIsGiven() {
        LoadTestConfig config = parse("--embedded", "--scenario", "pairs", "--sweep", "2000, 5000,10000/s,2e4",
                "--duration", "5", "--warmup", "2");

        assertTrue(config.isSweep());
        assertEquals(List.of(2000.0, 5000.0, 10000.0, 20000.0), config.sweepRates());
        assertEquals(2000, config.ratePerSecond(), 1e-9, "the sweep replaces the preset's rate");
        assertEquals(Duration.ofSeconds(5), config.duration(), "each step keeps --duration");
        assertEquals(Duration.ofSeconds(2), config.warmup());
        LoadTestConfig step = config.withRate(10000);
        assertEquals(10000, step.ratePerSecond(), 1e-9);
        assertEquals(5.0, step.ratePerSender(), 1e-9, "1000 channels x 2 senders");
        assertEquals(config.channels(), step.channels());
    }

    @Test
    void shouldNotSweepWhenSweepIsNotGiven() {
        LoadTestConfig config = parse("--embedded", "--rate", "100");

        assertFalse(config.isSweep());
        assertEquals(List.of(), config.sweepRates());
    }

    @Test
    void shouldNameTheBadRateWhenASweepRateIsNotANumber() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> LoadTestConfig.parseSweep("1000, 2k"));

        assertTrue(e.getMessage().startsWith("--sweep: '2k'"), e.getMessage());
    }

    @Test
    void shouldSayTheRatesMustIncreaseWhenTheyDoNot() {
        int status = run("--embedded", "--sweep", "5000,2000");

        assertEquals(LoadTestMain.EXIT_USAGE, status);
        assertTrue(err.toString(StandardCharsets.UTF_8).contains("the rates must increase, but 2000 follows 5000"),
                err.toString(StandardCharsets.UTF_8));
    }

    @Test
    void shouldGroupPeersAndOwnersBySocketWhenPeersPerSocketIsGivenAndRefuseASweepOrHtmlWithIt() {
        LoadTestConfig config = parse("--embedded", "--peers-per-socket", "100", "--channels", "1050",
                "--peers-per-channel", "2");

        assertTrue(config.isCapacityTest());
        assertEquals(11, config.ownerSessions(), "1050 channels, 100 per owner");
        assertEquals(22, config.peerSockets(), "the first and the second peer of each 100 channels");
        assertEquals(LoadTestMain.EXIT_USAGE, run("--embedded", "--peers-per-socket", "10", "--sweep", "10,20"));
        assertEquals(LoadTestMain.EXIT_USAGE, run("--embedded", "--peers-per-socket", "10", "--html", "x.html"));
        assertTrue(err.toString(StandardCharsets.UTF_8).contains("a capacity test writes no HTML report"),
                err.toString(StandardCharsets.UTF_8));
        assertEquals(config.totalPeers(), parse("--embedded", "--channels", "1050", "--peers-per-channel", "2")
                .peerSockets(), "without it, a session and a socket per peer");
    }

    private int run(String... args) {
        return LoadTestMain.run(args, new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
    }

    private static LoadTestConfig parse(String... args) {
        return LoadTestMain.parseConfig(args);
    }
}
