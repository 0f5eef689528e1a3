package io.chanmux.protocol.client;

import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509ExtendedTrustManager;
import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.Collection;

/**
 * How a client checks a TLS control port (a server started with {@code --tls-cert}): which
 * certificates it trusts, and whether the certificate must name the host. The control protocol
 * is the same over TLS; only the connection differs. Immutable and thread-safe: one instance may
 * serve any number of connections.
 *
 * <ul>
 *   <li>{@link #systemTrust()}: a certificate from a CA the JVM trusts, for the host connected to;</li>
 *   <li>{@link #trusting(Path)}: a certificate issued by (or equal to) one in a PEM file, for the host
 *       connected to — a private CA, or a server's self-signed certificate copied to the client;</li>
 *   <li>{@link #insecureTrustAnything()}: any certificate: encrypted, but anyone on the path can
 *       impersonate the server. For tests and first trials only.</li>
 * </ul>
 */
public final class ClientTls {
    private static final String[] PROTOCOLS = {"TLSv1.3", "TLSv1.2"};

    private final SSLContext context;
    private final boolean verifyHostname;
    private final String description;

    private ClientTls(SSLContext context, boolean verifyHostname, String description) {
        this.context = context;
        this.verifyHostname = verifyHostname;
        this.description = description;
    }

    /**
     * Trusts the JVM's default trust store ({@code cacerts}, or {@code javax.net.ssl.trustStore})
     * and checks the host name.
     */
    public static ClientTls systemTrust() throws IOException {
        try {
            return new ClientTls(SSLContext.getDefault(), true, "TLS, default trust store");
        } catch (GeneralSecurityException e) {
            throw new IOException("the JVM's default TLS context is unusable: " + e.getMessage(), e);
        }
    }

    /**
     * Trusts the certificates in a PEM file, and checks the host name.
     *
     * @throws IOException when the file cannot be read or holds no certificate
     */
    public static ClientTls trusting(Path pemFile) throws IOException {
        Collection<? extends Certificate> certificates;
        try (InputStream in = Files.newInputStream(pemFile)) {
            certificates = CertificateFactory.getInstance("X.509").generateCertificates(in);
        } catch (NoSuchFileException e) {
            throw new IOException("cannot read " + pemFile + ": no such file", e);
        } catch (CertificateException e) {
            throw new IOException(pemFile + " is not a PEM certificate file: " + e.getMessage(), e);
        }
        if (certificates.isEmpty()) {
            throw new IOException(pemFile + " holds no certificate");
        }
        try {
            KeyStore anchors = KeyStore.getInstance(KeyStore.getDefaultType());
            anchors.load(null, null);
            int n = 0;
            for (Certificate certificate : certificates) {
                anchors.setCertificateEntry("trusted-" + n++, certificate);
            }
            TrustManagerFactory trust = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            trust.init(anchors);
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(null, trust.getTrustManagers(), null);
            return new ClientTls(context, true, "TLS, trusting " + pemFile);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("the JVM cannot trust certificates from a file", e);
        }
    }

    /**
     * Trusts any certificate, with no host name check: the connection is encrypted but not
     * authenticated. For a self-signed server in a test; prefer {@link #trusting(Path)} with the
     * server's certificate.
     */
    public static ClientTls insecureTrustAnything() {
        try {
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(null, new TrustManager[] {new TrustAnything()}, null);
            return new ClientTls(context, false, "TLS, trusting any certificate");
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("the JVM has no TLS", e);
        }
    }

    /**
     * Layers TLS over a connected socket and completes the handshake, so a server that refuses
     * fails here and not on the first request. Closing the returned socket closes {@code socket}.
     *
     * @param host    the server's host as the user gave it: sent as SNI, and checked against the certificate
     * @param timeout the longest wait for each read of the handshake
     * @throws IOException when the handshake fails (an untrusted certificate, a plain TCP port)
     */
    public SSLSocket handshake(Socket socket, String host, int port, Duration timeout) throws IOException {
        SSLSocket tls = (SSLSocket) context.getSocketFactory().createSocket(socket, host, port, true);
        try {
            SSLParameters parameters = tls.getSSLParameters();
            parameters.setProtocols(PROTOCOLS);
            if (verifyHostname) {
                parameters.setEndpointIdentificationAlgorithm("HTTPS");
            }
            tls.setSSLParameters(parameters);
            int before = tls.getSoTimeout();
            tls.setSoTimeout((int) timeout.toMillis());
            tls.startHandshake();
            tls.setSoTimeout(before);
            return tls;
        } catch (IOException | RuntimeException e) {
            tls.close();
            throw e;
        }
    }

    /**
     * Whether bytes a server sent begin a TLS record (an alert or a handshake message), which a
     * JSON line never does: a plain-TCP client that reads them has reached a TLS control port.
     */
    public static boolean isTlsRecord(byte[] received) {
        return received.length > 0 && (received[0] == 0x15 || received[0] == 0x16);
    }

    /** What the client trusts, for messages. */
    @Override
    public String toString() {
        return description;
    }

    /** Accepts every certificate: see {@link #insecureTrustAnything()}. */
    private static final class TrustAnything extends X509ExtendedTrustManager {
        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket) {
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine) {
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType) {
        }

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket) {
        }

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine) {
        }

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType) {
        }

        @Override
        public X509Certificate[] getAcceptedIssuers() {
            return new X509Certificate[0];
        }
    }
}
