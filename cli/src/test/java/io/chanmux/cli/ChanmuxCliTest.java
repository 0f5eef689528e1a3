package io.chanmux.cli;

import io.chanmux.protocol.client.ChanmuxClient;
import io.chanmux.protocol.control.ControlCodec;
import io.chanmux.server.ChanmuxServer;
import io.chanmux.server.config.PortRange;
import io.chanmux.server.config.ServerConfig;
import io.chanmux.server.config.Settings;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.time.Duration;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Drives the whole CLI, in-process, against a real server on loopback. */
@Timeout(30)
class ChanmuxCliTest {
    private static final String CHANNEL_LINE = "channel ([0-9a-f]{16}) on port \\d+; keep this running";

    private ChanmuxServer server;
    private String address;

    @BeforeEach
    void startServer() throws IOException {
        startServer(ServerConfig.builder());
    }

    private void startServer(ServerConfig.Builder config) throws IOException {
        server = ChanmuxServer.start(config.set(Settings.BIND, InetAddress.getLoopbackAddress())
                .set(Settings.CONTROL_PORT, 0).set(Settings.UDP_PORTS, new PortRange(43000, 43099))
                .set(Settings.POOLS, 1).set(Settings.METRICS_PORT, -1).build());
        address = "127.0.0.1:" + server.controlAddress().getPort();
    }

    @AfterEach
    void stopServer() {
        server.close();
    }

    private CliRun start(String... args) {
        return CliRun.start(withServer(args));
    }

    private CliRun complete(String... args) {
        return CliRun.complete(withServer(args));
    }

    private String[] withServer(String... args) {
        return withServer(address, args);
    }

    private static String[] withServer(String address, String... args) {
        String[] all = new String[args.length + 2];
        all[0] = "--server";
        all[1] = address;
        System.arraycopy(args, 0, all, 2, args.length);
        return all;
    }

    @Test
    void shouldRelayTypedAndSentLinesBetweenJoinersWhenCreateJoinAndSendRun() {
        CliRun create = start("create", "--name", "lobby");
        String channel = create.awaitOut(CHANNEL_LINE);
        CliRun alice = start("join", channel, "--send");
        String alicePeer = alice.awaitErr("joined channel " + channel + " as peer (\\d+)");
        CliRun bob = start("join", channel, "--send");
        String bobPeer = bob.awaitErr("joined channel " + channel + " as peer (\\d+)");
        alice.awaitErr("\\* peer " + bobPeer + " joined");

        alice.type("hello");
        bob.awaitOut("\\[peer " + alicePeer + "] hello\n");
        bob.type("hi alice, caf\u00e9");
        alice.awaitOut("\\[peer " + bobPeer + "] hi alice, caf\u00e9\n");

        CliRun send = start("send", channel);
        String senderPeer = send.awaitErr("joined channel " + channel + " as peer (\\d+)");
        send.type("hello");
        send.type("second line");
        send.endInput();
        assertEquals(ChanmuxCli.OK, send.awaitStatus(), send.toString());
        for (CliRun joiner : new CliRun[] {alice, bob}) {
            joiner.awaitOut("\\[peer " + senderPeer + "] hello\n\\[peer " + senderPeer + "] second line\n");
            joiner.awaitErr("\\* peer " + senderPeer + " left \\(left\\)");
        }
        assertTrue(send.err().contains("* left channel " + channel), send.toString());

        alice.endInput();
        assertEquals(ChanmuxCli.OK, alice.awaitStatus(), alice.toString());
        bob.awaitErr("\\* peer " + alicePeer + " left \\(left\\)");

        create.endInput();
        assertEquals(ChanmuxCli.OK, create.awaitStatus(), create.toString());
        bob.awaitErr("\\* channel " + channel + " was deleted \\(deleted\\)");
        assertEquals(ChanmuxCli.OK, bob.awaitStatus(), bob.toString());
        assertTrue(!alice.out().contains("] hello\n[peer " + alicePeer), "alice got her own line back: " + alice);
    }

    @Test
    void shouldPrintBinaryPayloadsAsHexWhenTheyAreNotText() throws Exception {
        CliRun create = start("create");
        String channel = create.awaitOut(CHANNEL_LINE);
        CliRun listener = start("join", channel);
        listener.awaitErr("joined channel");

        CliRun send = start("send", channel);
        String senderPeer = send.awaitErr("as peer (\\d+)");
        send.type("\u001b[2Jgotcha");
        send.endInput();

        assertEquals(ChanmuxCli.OK, send.awaitStatus(), send.toString());
        listener.awaitOut("\\[peer " + senderPeer + "] 0x1b5b324a676f74636861\n");
        create.endInput();
        assertEquals(ChanmuxCli.OK, listener.awaitStatus(), listener.toString());
    }

    @Test
    void shouldShowChannelsAsATableAndCountersAsAlignedLinesWhenListAndStatsRun() {
        CliRun create = start("create", "--name", "lobby", "--max-peers", "8");
        String channel = create.awaitOut(CHANNEL_LINE);

        CliRun list = complete("list");
        assertEquals(ChanmuxCli.OK, list.awaitStatus(), list.toString());
        assertTrue(list.out().matches("(?s)CHANNEL\\s+NAME\\s+PORT\\s+PEERS\\s+MAX\n" + channel
                + "\\s+lobby\\s+430\\d\\d\\s+0\\s+8\n"), list.out());

        CliRun json = complete("list", "--json");
        assertTrue(json.out().matches("\\{\"id\":\\d+,\"ok\":true,\"channels\":\\[\\{.*\"" + channel + "\".*}]}\n"),
                json.out());

        CliRun stats = complete("stats");
        assertEquals(ChanmuxCli.OK, stats.awaitStatus(), stats.toString());
        assertTrue(stats.out().matches("(?ms).*^channels +1$.*"), stats.out());
        assertTrue(stats.out().matches("(?ms).*^dropped\\.total +0$.*"), stats.out());
        // One column of values: every value starts where the longest name ends plus two spaces.
        int column = stats.out().lines().mapToInt(l -> l.indexOf(' ')).max().orElseThrow() + 2;
        stats.out().lines().forEach(l -> assertTrue(l.charAt(column) != ' ' && l.charAt(column - 1) == ' ', l));

        CliRun rawStats = complete("stats", "--json");
        assertTrue(rawStats.out().startsWith("{\"id\":"), rawStats.out());
        create.endInput();
        assertEquals(ChanmuxCli.OK, create.awaitStatus());
    }

    @Test
    void shouldPrintTheRawReplyAndExitWithOneWhenAdminSendsAnUnknownOp() {
        CliRun admin = complete("admin", "frobnicate", "x=1");

        assertEquals(ChanmuxCli.SERVER_ERROR, admin.awaitStatus(), admin.toString());
        assertTrue(admin.err().startsWith("error: unknown_op: "), admin.err());
        assertTrue(admin.out().contains("\"error\":\"unknown_op\""), admin.out());
    }

    @Test
    void shouldSendJsonValuesAsJsonAndOthersAsStringsWhenAdminBuildsARequest() {
        CliRun admin = complete("admin", "create", "name=admin room", "maxPeers=3");

        assertEquals(ChanmuxCli.OK, admin.awaitStatus(), admin.toString());
        assertTrue(admin.out().matches("\\{\"id\":\\d+,\"ok\":true,\"channel\":\"[0-9a-f]{16}\",.*\"maxPeers\":3}\n"),
                admin.out());
    }

    @Test
    void shouldRunAdminOpsWithTheAdminSecretAndBeRefusedWithout() throws IOException {
        server.close();
        startServer(ServerConfig.builder().set(Settings.ADMIN_SECRET, "ops"));
        CliRun create = start("create", "--name", "watched");
        create.awaitOut(CHANNEL_LINE);

        CliRun refused = complete("admin", "channels");
        CliRun channels = complete("admin", "channels", "--admin-secret", "ops");

        assertEquals(ChanmuxCli.SERVER_ERROR, refused.awaitStatus(), refused.toString());
        assertTrue(refused.err().startsWith("error: forbidden: "), refused.err());
        assertEquals(ChanmuxCli.OK, channels.awaitStatus(), channels.toString());
        assertTrue(channels.out().contains("\"name\":\"watched\""), channels.out());
        create.endInput();
        assertEquals(ChanmuxCli.OK, create.awaitStatus(), create.toString());
    }

    @Test
    void shouldAuthenticateEveryCommandWhenTheServerHasASecret() throws IOException {
        server.close();
        startServer(ServerConfig.builder().set(Settings.SECRET, "s3cret"));

        CliRun refused = complete("stats");
        assertEquals(ChanmuxCli.SERVER_ERROR, refused.awaitStatus(), refused.toString());
        assertTrue(refused.err().startsWith("error: unauthorized: "), refused.err());

        CliRun admin = complete("admin", "ping", "--secret", "s3cret");
        assertEquals(ChanmuxCli.OK, admin.awaitStatus(), admin.toString());
        CliRun create = start("--secret", "s3cret", "create");
        create.awaitOut(CHANNEL_LINE);
        create.endInput();
        assertEquals(ChanmuxCli.OK, create.awaitStatus(), create.toString());
    }

    @Test
    void shouldExitWithOneAndTheServersCodeWhenJoiningAChannelThatDoesNotExist() {
        CliRun join = complete("join", "0123456789abcdef");

        assertEquals(ChanmuxCli.SERVER_ERROR, join.awaitStatus(), join.toString());
        assertTrue(join.err().startsWith("error: not_found: "), join.err());
    }

    @Test
    void shouldStayJoinedOnAShortPeerTimeoutAndExitWithThreeWhenTheServerRemovesThePeer() throws IOException {
        server.close();
        // Far shorter than the 5 s the CLI once PINGed at: it PINGs at a sixth of what hello reports.
        startServer(ServerConfig.builder().set(Settings.PEER_TIMEOUT, Duration.ofMillis(300)).set(Settings.ADMIN_SECRET, "ops"));
        CliRun create = start("create");
        String channel = create.awaitOut(CHANNEL_LINE);
        CliRun join = start("join", channel);
        String peer = join.awaitErr("joined channel " + channel + " as peer (\\d+)");

        await().during(Duration.ofMillis(1500)).atMost(Duration.ofSeconds(5))
                .until(() -> !join.hasEnded() && server.directory().peerCount() == 1);

        try (ChanmuxClient admin = ChanmuxClient.connect(server.controlAddress())) {
            admin.call("hello", ControlCodec.object().put("admin", "ops"));
            admin.call("kick", ControlCodec.object().put("channel", channel).put("peer", Long.parseLong(peer)));
        }
        assertEquals(ChanmuxCli.CONNECTION_FAILED, join.awaitStatus(), join.toString());
        assertTrue(join.err().contains("were removed from the channel (kicked)"), join.err());
        create.endInput();
        create.awaitStatus();
    }

    @Test
    void shouldExitWithThreeAndSayHowToStartAServerWhenNothingListens() throws IOException {
        int closedPort;
        try (ServerSocket probe = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            closedPort = probe.getLocalPort();
        }

        String server = "127.0.0.1:" + closedPort;
        for (String[] command : new String[][] {{"list"}, {"create"}, {"join", "0123456789abcdef"}}) {
            CliRun run = CliRun.complete(withServer(server, command));
            assertEquals(ChanmuxCli.CONNECTION_FAILED, run.awaitStatus(), run.toString());
            assertTrue(run.err().startsWith("cannot reach chanmux at 127.0.0.1:" + closedPort
                    + ": Connection refused — is the server running? start it with ./bin/chanmux-server"), run.err());
        }
    }

    @Test
    void shouldExitWithTwoWhenTheCommandLineIsWrong() {
        assertEquals(ChanmuxCli.USAGE, CliRun.complete().awaitStatus());
        assertEquals(ChanmuxCli.USAGE, complete("join").awaitStatus());
        assertEquals(ChanmuxCli.USAGE, complete("frobnicate").awaitStatus());
        assertEquals(ChanmuxCli.USAGE, complete("admin", "create", "novalue").awaitStatus());
        assertEquals(ChanmuxCli.USAGE, complete("create", "--max-peers", "0").awaitStatus());
        CliRun badServer = CliRun.complete("--server", "nowhere", "list");
        assertEquals(ChanmuxCli.USAGE, badServer.awaitStatus());
        assertTrue(badServer.err().contains("expected HOST:PORT"), badServer.err());
    }
}
