package io.chanmux.server.control.tls;

import io.chanmux.server.base.NanoClock;
import io.chanmux.server.control.ControlTransport;
import io.chanmux.server.control.TransportFactory;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import javax.net.ssl.SSLSocketFactory;
import java.io.IOException;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;
import java.security.GeneralSecurityException;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;

/**
 * TLS on the control port, with a certificate that can be replaced while the server runs. The
 * certificate and key come from PEM files; when either file changes (its inode, modification
 * time or size — checked at most once per {@link #CHECK_INTERVAL}, as connections arrive), the
 * pair is read again and new handshakes present the new certificate. Established sessions keep
 * the one they were made with. A new pair that cannot be used (half written, not PEM, a key of
 * another certificate) is refused with one WARN per change of the files, and the previous pair
 * stays in use.
 *
 * <p>Threading: the control listener's thread calls {@link #open} for each accepted connection
 * and is the only writer of the state here; the counters and {@link #certificate} may be read
 * from any thread.
 */
public final class ControlTls implements TransportFactory {
    static {
        // A TLS 1.2 client could otherwise make the server sign a new handshake as often as it likes.
        if (System.getProperty("jdk.tls.rejectClientInitiatedRenegotiation") == null) {
            System.setProperty("jdk.tls.rejectClientInitiatedRenegotiation", "true");
        }
    }

    /** How often, at most, the files are looked at. */
    public static final Duration CHECK_INTERVAL = Duration.ofSeconds(1);

    private static final Logger log = LoggerFactory.getLogger(ControlTls.class);

    private final Path certificateFile;
    private final Path keyFile;
    private final NanoClock clock;
    private final AtomicLong reloads = new AtomicLong();
    private final AtomicLong refusedReloads = new AtomicLong();
    private volatile ServerCertificate served;
    private SSLSocketFactory sockets;
    /** The files' stamps when {@link #served} was read from them. */
    private FileStamps servedStamps;
    /** The stamps of the last pair refused, so it is warned about once. */
    private FileStamps refusedStamps;
    private long nextCheckNs;

    private ControlTls(Path certificateFile, Path keyFile, NanoClock clock, FileStamps stamps,
                       ServerCertificate certificate, SSLSocketFactory sockets) {
        this.certificateFile = certificateFile;
        this.keyFile = keyFile;
        this.clock = clock;
        this.servedStamps = stamps;
        this.served = certificate;
        this.sockets = sockets;
        this.nextCheckNs = clock.nanoTime() + CHECK_INTERVAL.toNanos();
    }

    /**
     * Reads the certificate chain and key the server starts with.
     *
     * @throws IllegalArgumentException naming the option and file when they cannot be used
     */
    public static ControlTls load(Path certificateFile, Path keyFile, NanoClock clock) {
        FileStamps stamps = FileStamps.of(certificateFile, keyFile);
        try {
            ServerCertificate certificate = ServerCertificate.read(certificateFile, keyFile);
            ControlTls tls = new ControlTls(certificateFile, keyFile, clock, stamps, certificate,
                    socketsOf(certificate));
            log.atInfo().addKeyValue("event", "tls_certificate_loaded").log("control port TLS certificate: {}", describe(certificate));
            return tls;
        } catch (UnusableCertificateException e) {
            throw new IllegalArgumentException(e.getMessage(), e);
        } catch (GeneralSecurityException e) {
            throw new IllegalArgumentException(PemFiles.CERT_OPTION + "/" + PemFiles.KEY_OPTION + ": "
                    + certificateFile + " and " + keyFile + " cannot serve TLS: " + e.getMessage(), e);
        }
    }

    /**
     * Layers TLS over a connection the listener accepted; the handshake runs later, on the
     * session's thread. Rereads the files first if they changed. Listener thread only.
     */
    @Override
    public ControlTransport open(SocketChannel accepted) throws IOException {
        reloadIfDue();
        return new TlsTransport(accepted, sockets);
    }

    /** The certificate new handshakes present (the first of its chain). */
    public X509Certificate certificate() {
        return served.chain().getFirst();
    }

    /** Times a changed pair of files was read and put in use. */
    public long reloads() {
        return reloads.get();
    }

    /** Times a changed pair of files was refused, at most once per change. */
    public long refusedReloads() {
        return refusedReloads.get();
    }

    /** Rereads the files when a check is due and they changed since the last look. Listener thread. */
    void reloadIfDue() {
        long now = clock.nanoTime();
        if (now - nextCheckNs < 0) {
            return;
        }
        nextCheckNs = now + CHECK_INTERVAL.toNanos();
        FileStamps stamps = FileStamps.of(certificateFile, keyFile);
        if (stamps.equals(servedStamps) || stamps.equals(refusedStamps)) {
            return;
        }
        try {
            ServerCertificate certificate = ServerCertificate.read(certificateFile, keyFile);
            sockets = socketsOf(certificate);
            served = certificate;
            servedStamps = stamps;
            refusedStamps = null;
            reloads.incrementAndGet();
            log.atInfo().addKeyValue("event", "tls_certificate_reloaded")
                    .log("control port TLS certificate reloaded: {}", describe(certificate));
        } catch (UnusableCertificateException | GeneralSecurityException e) {
            refusedStamps = stamps;
            refusedReloads.incrementAndGet();
            log.atWarn().addKeyValue("event", "tls_certificate_refused")
                    .log("the control port's TLS files changed but cannot be used, so new connections keep {}: {}",
                            served.subject(), e.getMessage());
        }
    }

    private static SSLSocketFactory socketsOf(ServerCertificate certificate) throws GeneralSecurityException {
        return certificate.context().getSocketFactory();
    }

    private static String describe(ServerCertificate certificate) {
        return certificate.subject() + ", valid until " + certificate.chain().getFirst().getNotAfter().toInstant();
    }

    /**
     * What tells one version of a file from another without reading it.
     *
     * @param fileKey  the inode (changes when a new file is renamed over the old), or null
     * @param modified the modification time, or null when the file cannot be read
     * @param size     bytes, or -1 when the file cannot be read
     */
    private record FileStamp(Object fileKey, FileTime modified, long size) {
        static FileStamp of(Path file) {
            try {
                BasicFileAttributes attributes = Files.readAttributes(file, BasicFileAttributes.class);
                return new FileStamp(attributes.fileKey(), attributes.lastModifiedTime(), attributes.size());
            } catch (IOException e) {
                return new FileStamp(null, null, -1); // gone for now: a state of its own, read again when it returns
            }
        }
    }

    /** The stamps of the certificate file and the key file. */
    private record FileStamps(FileStamp certificate, FileStamp key) {
        static FileStamps of(Path certificateFile, Path keyFile) {
            return new FileStamps(FileStamp.of(certificateFile), FileStamp.of(keyFile));
        }
    }

    @Override
    public boolean speaksPlainText() {
        return false;
    }
}
