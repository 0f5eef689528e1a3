package io.chanmux.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.chanmux.protocol.client.ChanmuxClient;
import io.chanmux.protocol.control.ControlCodec;
import io.chanmux.protocol.control.ServerEvent;
import io.chanmux.protocol.client.ClientTls;
import io.chanmux.protocol.client.CreateOptions;
import io.chanmux.server.config.ServerConfig;
import io.chanmux.server.config.Settings;
import io.chanmux.server.control.SessionCloseReason;
import io.chanmux.server.control.tls.ControlTls;
import io.chanmux.server.control.tls.TestCertificates;
import io.chanmux.server.control.tls.TestCertificates.Pem;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import javax.net.ssl.SSLHandshakeException;
import javax.net.ssl.SSLSocket;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.Map;
import java.util.function.UnaryOperator;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The control port with {@code --tls-cert}/{@code --tls-key}: real TLS clients, plain-text ones, reloads. */
@Timeout(60)
class TlsControlPortTest {
    private static final Duration PATIENCE = Duration.ofSeconds(10);

    @TempDir
    Path dir;

    @Test
    void shouldRelayBetweenPeersWhenTheirControlConnectionsUseTls() throws IOException {
        Pem pem = TestCertificates.server();
        ClientTls trust = ClientTls.trusting(pem.certificate()); // checks the host name too
        try (TestRelay relay = tlsRelay(pem, b -> b);
             ChanmuxClient alice = ChanmuxClient.connect(relay.control(), trust, event -> { });
             ChanmuxClient bob = ChanmuxClient.connect(relay.control(), trust, event -> { })) {
            ObjectNode hello = alice.hello("alice");
            String channel = alice.create(CreateOptions.DEFAULTS).channel();
            try (TestPeer a = new TestPeer(alice.join(channel)); TestPeer b = new TestPeer(bob.join(channel))) {
                a.handle().bind(PATIENCE);
                b.handle().bind(PATIENCE);

                a.send("over tls");

                assertEquals("over tls", b.receivePayload());
            }
            assertEquals(ControlCodec.PROTOCOL_VERSION, hello.path("protocol").asInt());
        }
    }

    @Test
    void shouldRefuseTheCertificateWhenItDoesNotNameTheHostUnlessTheClientTrustsAnything() throws IOException {
        Pem pem = TestCertificates.server(); // names localhost, 127.0.0.1 and ::1 only
        try (TestRelay relay = tlsRelay(pem, b -> b)) {
            InetSocketAddress elsewhere = new InetSocketAddress(InetAddress.getByAddress("relay.example",
                    relay.control().getAddress().getAddress()), relay.control().getPort());

            SSLHandshakeException refused = assertThrows(SSLHandshakeException.class,
                    () -> ChanmuxClient.connect(elsewhere, ClientTls.trusting(pem.certificate()), event -> { }));
            try (ChanmuxClient anything = ChanmuxClient.connect(elsewhere, ClientTls.insecureTrustAnything(),
                    event -> { })) {
                anything.ping();
            }
            assertTrue(refused.getMessage().contains("relay.example"), refused.getMessage());
        }
    }

    @Test
    void shouldCloseAndCountAPlainTextClientWhileTlsClientsGoOn() throws IOException {
        Pem pem = TestCertificates.server();
        try (TestRelay relay = tlsRelay(pem, b -> b);
             Socket plain = new Socket(relay.control().getAddress(), relay.control().getPort())) {
            plain.setSoTimeout((int) PATIENCE.toMillis());
            plain.getOutputStream().write("{\"id\":1,\"op\":\"hello\"}\n".getBytes(StandardCharsets.UTF_8));

            String answer = new String(readUntilClosed(plain.getInputStream()), StandardCharsets.ISO_8859_1);

            assertFalse(answer.contains("\"ok\""), "a plain-text client gets no reply: " + answer);
            await().atMost(PATIENCE).until(() -> closedBy(relay, SessionCloseReason.TLS_HANDSHAKE) == 1);
            try (ChanmuxClient tls = ChanmuxClient.connect(relay.control(), ClientTls.insecureTrustAnything(),
                    event -> { })) {
                tls.ping();
            }
        }
    }

    @Test
    void shouldTellAPlainJavaClientThatThePortSpeaksTls() throws IOException {
        try (TestRelay relay = tlsRelay(TestCertificates.server(), b -> b);
             ChanmuxClient plain = ChanmuxClient.connect(relay.control())) {
            IOException e = assertThrows(IOException.class, () -> plain.hello("plain"));

            assertTrue(e.getCause().getMessage().contains("the server's control port speaks TLS"), e.toString());
        }
    }

    @Test
    void shouldCloseAClientThatNeverHandshakesWithinTheLineTimeout() throws IOException {
        Pem pem = TestCertificates.server();
        try (TestRelay relay = tlsRelay(pem, b -> b.set(Settings.LINE_TIMEOUT, Duration.ofMillis(300)));
             Socket silent = new Socket(relay.control().getAddress(), relay.control().getPort())) {
            silent.setSoTimeout((int) PATIENCE.toMillis());

            assertEquals(0, readUntilClosed(silent.getInputStream()).length);

            await().atMost(PATIENCE).until(() -> closedBy(relay, SessionCloseReason.LINE_TIMEOUT) == 1);
            assertEquals(0, closedBy(relay, SessionCloseReason.TLS_HANDSHAKE), "counted once, as the line timeout");
        }
    }

    @Test
    void shouldCloseAConnectionOverTheLimitWithoutALineWhenThePortSpeaksTls() throws IOException {
        Pem pem = TestCertificates.server();
        try (TestRelay relay = tlsRelay(pem, b -> b.set(Settings.MAX_SESSIONS, 1));
             ChanmuxClient first = ChanmuxClient.connect(relay.control(), ClientTls.insecureTrustAnything(),
                     event -> { })) {
            first.ping();

            assertThrows(IOException.class, () -> servedSubject(relay.control()));

            assertEquals(1, closedBy(relay, SessionCloseReason.REJECTED));
            first.ping();
        }
    }

    @Test
    void shouldPresentTheNewCertificateToNewConnectionsAndKeepOldSessionsWhenTheFilesAreReplaced()
            throws IOException {
        Pem live = TestCertificates.server().copyTo(dir, "live");
        Pem next = TestCertificates.replacement();
        try (TestRelay relay = tlsRelay(live, b -> b);
             RawControlConnection old = new RawControlConnection(tlsSocket(relay.control()))) {
            assertEquals(live.subject(), servedSubject(relay.control()));

            replace(live.certificate(), next.certificate());
            replace(live.key(), next.key());

            await().atMost(PATIENCE).until(() -> servedSubject(relay.control()).equals(next.subject()));
            JsonNode reply = old.request("{\"id\":1,\"op\":\"create\"}");
            assertTrue(reply.path("ok").asBoolean(), reply.toString());
            assertEquals(live.subject(), subjectOf(old.socket()), "the old session keeps its certificate");
            assertEquals(1, relay.server().controlTls().reloads());
        }
    }

    @Test
    void shouldKeepTheOldCertificateWhenTheReplacementIsInvalid() throws IOException {
        Pem live = TestCertificates.server().copyTo(dir, "live");
        try (TestRelay relay = tlsRelay(live, b -> b)) {
            ControlTls tls = relay.server().controlTls();

            Path broken = Files.writeString(dir.resolve("broken.crt"), "-----BEGIN CERTIFICATE-----\nMIIB\n");
            replace(live.certificate(), broken);

            // Files are looked at as connections arrive: each probe is one.
            await().atMost(PATIENCE).until(() -> servedSubject(relay.control()) != null && tls.refusedReloads() == 1);
            assertEquals(live.subject(), servedSubject(relay.control()));
            assertEquals(0, tls.reloads());
        }
    }

    @Test
    void shouldExitWithStatusTwoWhenTheCertificateOptionsAreUnusable() throws IOException {
        Pem pem = TestCertificates.server();
        Path garbage = Files.writeString(dir.resolve("garbage.key"), "not a key");
        String[] common = {"--bind", "127.0.0.1", "--control-port", "0", "--metrics-port", "-1"};

        assertEquals(2, ServerMain.run(with(common, "--tls-cert", pem.certificate().toString()), Map.of()));
        assertEquals(2, ServerMain.run(with(common, "--tls-cert", dir.resolve("none.crt").toString(),
                "--tls-key", pem.key().toString()), Map.of()));
        assertEquals(2, ServerMain.run(with(common, "--tls-cert", pem.certificate().toString(),
                "--tls-key", garbage.toString()), Map.of()));
        IllegalArgumentException onlyKey = assertThrows(IllegalArgumentException.class,
                () -> ServerConfig.builder().set(Settings.TLS_KEY, pem.key()).build());
        assertEquals("--tls-cert and --tls-key go together: give both or neither (got only --tls-key)",
                onlyKey.getMessage());
        IllegalArgumentException badKey = assertThrows(IllegalArgumentException.class, () -> ChanmuxServer.start(
                ServerConfig.builder().set(Settings.TLS_CERT, pem.certificate()).set(Settings.TLS_KEY, garbage).set(Settings.METRICS_PORT, -1).build()));
        assertTrue(badKey.getMessage().startsWith("--tls-key: " + garbage + " has no '-----BEGIN PRIVATE KEY-----'"),
                badKey.getMessage());
    }

    @Test
    void shouldWriteAnEventFromAWriterThreadWhileTheSessionWaitsForARequest() throws IOException {
        try (TestRelay relay = tlsRelay(TestCertificates.server(), b -> b);
             RawControlConnection session = new RawControlConnection(tlsSocket(relay.control()))) {
            assertEquals(1, session.request("{\"id\":1,\"op\":\"ping\"}").path("id").asInt());
            await().atMost(PATIENCE).until(() -> relay.server().listener().writerThreads() == 0);

            relay.server().listener().beginDrain(new ServerEvent.Draining(1234));

            assertEquals(1234, session.readMessage().path("timeoutMs").asLong());
            await().atMost(PATIENCE).until(() -> relay.server().listener().writerThreads() == 0);
            assertEquals(2, session.request("{\"id\":2,\"op\":\"ping\"}").path("id").asInt());
        }
    }

    private static TestRelay tlsRelay(Pem pem, UnaryOperator<ServerConfig.Builder> more) {
        return TestRelay.start(b -> more.apply(b.set(Settings.TLS_CERT, pem.certificate()).set(Settings.TLS_KEY, pem.key())));
    }

    private static long closedBy(TestRelay relay, SessionCloseReason reason) {
        return relay.server().listener().closedBy(reason);
    }

    /** A handshaken TLS socket to the control port that trusts any certificate, so the test can look at it. */
    private static SSLSocket tlsSocket(InetSocketAddress control) throws IOException {
        Socket tcp = new Socket(control.getAddress(), control.getPort());
        return ClientTls.insecureTrustAnything().handshake(tcp, "localhost", control.getPort(), PATIENCE);
    }

    /** The subject of the certificate a new connection is shown. */
    private static String servedSubject(InetSocketAddress control) throws IOException {
        try (SSLSocket tls = tlsSocket(control)) {
            return subjectOf(tls);
        }
    }

    private static String subjectOf(Socket tls) throws IOException {
        X509Certificate certificate = (X509Certificate) ((SSLSocket) tls).getSession().getPeerCertificates()[0];
        return certificate.getSubjectX500Principal().getName();
    }

    /** Replaces a file the way operations.md says: write beside it, then rename over it. */
    private static void replace(Path target, Path content) throws IOException {
        Path staged = Files.copy(content, target.resolveSibling(target.getFileName() + ".new"),
                StandardCopyOption.REPLACE_EXISTING);
        Files.move(staged, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }

    /** Everything the server sends until it closes (a reset counts as a close). */
    private static byte[] readUntilClosed(InputStream in) throws IOException {
        ByteArrayOutputStream received = new ByteArrayOutputStream();
        byte[] buffer = new byte[1024];
        try {
            int n;
            while ((n = in.read(buffer)) >= 0) {
                received.write(buffer, 0, n);
            }
        } catch (SocketException reset) {
            // closed with our bytes unread: the same outcome for this test
        }
        return received.toByteArray();
    }

    private static String[] with(String[] common, String... more) {
        String[] all = new String[common.length + more.length];
        System.arraycopy(common, 0, all, 0, common.length);
        System.arraycopy(more, 0, all, common.length, more.length);
        return all;
    }
}
