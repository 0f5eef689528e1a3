package io.chanmux.cli;

import io.chanmux.server.ChanmuxServer;
import io.chanmux.server.config.PortRange;
import io.chanmux.server.config.ServerConfig;
import io.chanmux.server.config.Settings;
import io.chanmux.server.control.tls.TestCertificates;
import io.chanmux.server.control.tls.TestCertificates.Pem;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.InetAddress;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The CLI against a server whose control port speaks TLS only. */
@Timeout(60)
class CliTlsTest {
    private static final String CHANNEL_LINE = "channel ([0-9a-f]{16}) on port \\d+; keep this running";

    private final Pem pem = TestCertificates.server();
    private ChanmuxServer server;
    private String address;

    @TempDir
    Path dir;

    @BeforeEach
    void startServer() throws IOException {
        server = ChanmuxServer.start(ServerConfig.builder().set(Settings.BIND, InetAddress.getLoopbackAddress())
                .set(Settings.CONTROL_PORT, 0).set(Settings.UDP_PORTS, new PortRange(43100, 43199)).set(Settings.POOLS, 1).set(Settings.METRICS_PORT, -1)
                .set(Settings.TLS_CERT, pem.certificate()).set(Settings.TLS_KEY, pem.key()).build());
        address = "127.0.0.1:" + server.controlAddress().getPort();
    }

    @AfterEach
    void stopServer() {
        server.close();
    }

    @Test
    void shouldCreateAChannelAndWarnOnceWhenTlsInsecureTrustsASelfSignedServer() {
        CliRun create = CliRun.start("--server", address, "--tls-insecure", "create", "--name", "secure");

        String channel = create.awaitOut(CHANNEL_LINE);
        create.endInput();

        assertEquals(ChanmuxCli.OK, create.awaitStatus());
        assertEquals(1, create.err().split("warning: --tls-insecure", -1).length - 1, create.err());
        assertTrue(create.err().contains("deleted channel " + channel), create.err());
    }

    @Test
    void shouldAnswerOneShotCommandsWhenTlsCaHoldsTheServersCertificate() {
        CliRun ping = CliRun.complete("--server", address, "--tls-ca", pem.certificate().toString(), "ping");

        assertEquals(ChanmuxCli.OK, ping.awaitStatus(), ping.toString());
        assertTrue(ping.err().isEmpty(), ping.err());
    }

    @Test
    void shouldFailToConnectWhenTheDefaultTrustStoreDoesNotKnowTheCertificate() {
        CliRun ping = CliRun.complete("--server", address, "--tls", "ping");

        assertEquals(ChanmuxCli.CONNECTION_FAILED, ping.awaitStatus(), ping.toString());
        assertTrue(ping.err().startsWith("TLS with chanmux at " + address + " failed: "), ping.err());
    }

    @Test
    void shouldSayWhichOptionsAreMissingWhenAPlainCommandMeetsATlsPort() {
        CliRun ping = CliRun.complete("--server", address, "ping");

        assertEquals(ChanmuxCli.CONNECTION_FAILED, ping.awaitStatus(), ping.toString());
        assertTrue(ping.err().contains("speaks TLS: add --tls, --tls-ca FILE or --tls-insecure"), ping.err());
    }

    @Test
    void shouldExitWithUsageWhenTheTlsOptionsAreUnusable() {
        CliRun missing = CliRun.complete("--server", address, "--tls-ca", dir.resolve("none.pem").toString(), "ping");
        CliRun both = CliRun.complete("--server", address, "--tls-ca", pem.certificate().toString(), "--tls-insecure",
                "ping");

        assertEquals(ChanmuxCli.USAGE, missing.awaitStatus(), missing.toString());
        assertTrue(missing.err().contains("--tls-ca: cannot read " + dir.resolve("none.pem") + ": no such file"),
                missing.err());
        assertEquals(ChanmuxCli.USAGE, both.awaitStatus(), both.toString());
        assertTrue(both.err().contains("give --tls-ca or --tls-insecure, not both"), both.err());
    }
}
