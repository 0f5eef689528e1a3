package io.chanmux.server.control.tls;

import io.chanmux.server.base.NanoClock;
import io.chanmux.server.control.tls.TestCertificates.Pem;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Loading and reloading the control port's certificate, with a manual clock and no sockets. */
@Timeout(120)
class ControlTlsTest {
    private static final long INTERVAL_NS = ControlTls.CHECK_INTERVAL.toNanos();

    private final AtomicLong nowNs = new AtomicLong(1_000_000_000L);
    private final NanoClock clock = nowNs::get;

    @TempDir
    Path dir;

    private Pem first;
    private Pem second;

    @BeforeEach
    void makeCertificates() {
        first = TestCertificates.server();
        second = TestCertificates.replacement();
    }

    @Test
    void shouldServeTheCertificateWhenItIsEc() {
        ControlTls tls = ControlTls.load(first.certificate(), first.key(), clock);

        assertEquals(first.subject(), tls.certificate().getSubjectX500Principal().getName());
    }

    @Test
    void shouldServeTheCertificateWhenItIsRsa() {
        Pem rsa = TestCertificates.rsa();

        ControlTls tls = ControlTls.load(rsa.certificate(), rsa.key(), clock);

        assertEquals("RSA", tls.certificate().getPublicKey().getAlgorithm());
        assertEquals(rsa.subject(), tls.certificate().getSubjectX500Principal().getName());
    }

    @Test
    void shouldRefuseToStartWhenTheKeyBelongsToAnotherCertificate() {
        String message = loadFails(first.certificate(), second.key());

        assertTrue(message.startsWith("--tls-key: the key in " + second.key() + " does not belong to the certificate"),
                message);
    }

    @Test
    void shouldNameTheOptionAndFileWhenAFileIsMissing() {
        Path missing = dir.resolve("missing.crt");

        assertEquals("--tls-cert: cannot read " + missing + ": no such file", loadFails(missing, first.key()));
    }

    @Test
    void shouldNameTheOptionAndFileWhenTheCertificateIsNotPem() throws IOException {
        Path garbage = Files.writeString(dir.resolve("garbage.crt"), "-----BEGIN CERTIFICATE-----\nnot base64!\n");

        String message = loadFails(garbage, first.key());

        assertTrue(message.startsWith("--tls-cert: " + garbage + " is not a PEM certificate chain"), message);
    }

    @Test
    void shouldSayHowToConvertWhenTheKeyIsNotPkcs8() throws IOException {
        Path traditional = Files.writeString(dir.resolve("traditional.key"),
                "-----BEGIN EC PRIVATE KEY-----\nMHcCAQEEIA==\n-----END EC PRIVATE KEY-----\n");

        String message = loadFails(first.certificate(), traditional);

        assertTrue(message.contains("is a PKCS#1/SEC1 key") && message.contains("openssl pkcs8 -topk8 -nocrypt"),
                message);
    }

    @Test
    void shouldRefuseAKeyFileWithoutAKeyBlock() throws IOException {
        Path empty = Files.writeString(dir.resolve("empty.key"), "");

        assertTrue(loadFails(first.certificate(), empty).contains("has no '-----BEGIN PRIVATE KEY-----'"));
    }

    @Test
    void shouldServeTheNewCertificateWhenTheFilesAreReplacedAndACheckIsDue() throws IOException {
        Pem live = first.copyTo(dir, "live");
        ControlTls tls = ControlTls.load(live.certificate(), live.key(), clock);

        replace(live, second);
        nowNs.addAndGet(INTERVAL_NS - 1);
        tls.reloadIfDue();
        assertEquals(first.subject(), subject(tls), "checked at most once per interval");

        nowNs.addAndGet(1);
        tls.reloadIfDue();
        assertEquals(second.subject(), subject(tls));
        assertEquals(1, tls.reloads());
        assertEquals(0, tls.refusedReloads());
    }

    @Test
    void shouldKeepTheOldCertificateAndWarnOnceWhenTheNewPairIsHalfReplaced() throws IOException {
        Pem live = first.copyTo(dir, "live");
        ControlTls tls = ControlTls.load(live.certificate(), live.key(), clock);

        move(second.certificate(), live.certificate()); // the new certificate, the old key
        checkLater(tls);
        checkLater(tls);

        assertEquals(first.subject(), subject(tls));
        assertEquals(1, tls.refusedReloads(), "one refusal per change, however often it is checked");

        move(second.key(), live.key()); // the pair is complete
        checkLater(tls);
        assertEquals(second.subject(), subject(tls));
        assertEquals(1, tls.reloads());
    }

    @Test
    void shouldKeepTheOldCertificateWhenTheNewFileIsTruncated() throws IOException {
        Pem live = first.copyTo(dir, "live");
        ControlTls tls = ControlTls.load(live.certificate(), live.key(), clock);
        String pem = Files.readString(second.certificate());

        Files.writeString(live.certificate(), pem.substring(0, pem.length() / 2)); // caught mid-write
        checkLater(tls);

        assertEquals(first.subject(), subject(tls));
        assertEquals(1, tls.refusedReloads());
    }

    @Test
    void shouldKeepTheOldCertificateWhileAFileIsMissing() throws IOException {
        Pem live = first.copyTo(dir, "live");
        ControlTls tls = ControlTls.load(live.certificate(), live.key(), clock);

        Files.delete(live.key());
        checkLater(tls);
        assertEquals(first.subject(), subject(tls));
        assertEquals(1, tls.refusedReloads());

        Files.copy(first.key(), live.key());
        checkLater(tls);
        assertEquals(first.subject(), subject(tls));
        assertEquals(1, tls.reloads(), "the restored pair is read again");
    }

    private void checkLater(ControlTls tls) {
        nowNs.addAndGet(INTERVAL_NS);
        tls.reloadIfDue();
    }

    private String loadFails(Path certificate, Path key) {
        return assertThrows(IllegalArgumentException.class, () -> ControlTls.load(certificate, key, clock))
                .getMessage();
    }

    /** Replaces both files the way operations.md says: write beside, then rename over. */
    private void replace(Pem live, Pem next) throws IOException {
        move(next.certificate(), live.certificate());
        move(next.key(), live.key());
    }

    private void move(Path source, Path target) throws IOException {
        Path staged = Files.copy(source, target.resolveSibling(target.getFileName() + ".new"),
                StandardCopyOption.REPLACE_EXISTING);
        Files.move(staged, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }

    private static String subject(ControlTls tls) {
        return tls.certificate().getSubjectX500Principal().getName();
    }
}
