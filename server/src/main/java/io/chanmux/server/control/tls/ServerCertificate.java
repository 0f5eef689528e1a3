package io.chanmux.server.control.tls;

import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.Signature;
import java.security.cert.X509Certificate;
import java.util.List;

/**
 * The server's certificate chain and the private key that belongs to it, ready to serve.
 *
 * @param chain the server's certificate first, then its issuers
 * @param key   the private key of {@code chain.getFirst()}
 */
record ServerCertificate(List<X509Certificate> chain, PrivateKey key) {
    /** In memory only: the key store below wants a password, and it never reaches a disk. */
    private static final char[] IN_MEMORY_PASSWORD = "chanmux".toCharArray();
    private static final byte[] PROBE = "chanmux key check".getBytes(StandardCharsets.US_ASCII);

    /**
     * Reads both files and checks that the key belongs to the certificate, so that a pair caught
     * half-replaced is refused here rather than failing every handshake.
     */
    static ServerCertificate read(Path certificateFile, Path keyFile) throws UnusableCertificateException {
        List<X509Certificate> chain = PemFiles.certificates(certificateFile);
        String algorithm = chain.getFirst().getPublicKey().getAlgorithm();
        String signature = switch (algorithm) {
            case "RSA" -> "SHA256withRSA";
            case "EC" -> "SHA256withECDSA";
            default -> throw new UnusableCertificateException(PemFiles.CERT_OPTION + ": " + certificateFile
                    + " has a " + algorithm + " key; chanmux takes RSA or EC certificates");
        };
        PrivateKey key = PemFiles.privateKey(keyFile, algorithm);
        if (!signsFor(chain.getFirst(), key, signature)) {
            throw new UnusableCertificateException(PemFiles.KEY_OPTION + ": the key in " + keyFile
                    + " does not belong to the certificate in " + certificateFile);
        }
        return new ServerCertificate(chain, key);
    }

    private static boolean signsFor(X509Certificate certificate, PrivateKey key, String algorithm) {
        try {
            Signature signer = Signature.getInstance(algorithm);
            signer.initSign(key);
            signer.update(PROBE);
            byte[] signed = signer.sign();
            Signature verifier = Signature.getInstance(algorithm);
            verifier.initVerify(certificate.getPublicKey());
            verifier.update(PROBE);
            return verifier.verify(signed);
        } catch (GeneralSecurityException e) {
            return false; // e.g. an EC key on another curve than the certificate's
        }
    }

    /** The subject of the server's certificate, as operators read it in logs. */
    String subject() {
        return chain.getFirst().getSubjectX500Principal().getName();
    }

    /** A TLS context that presents this certificate. */
    SSLContext context() throws GeneralSecurityException {
        KeyStore store;
        try {
            store = KeyStore.getInstance("PKCS12");
            store.load(null, null);
        } catch (IOException e) {
            throw new GeneralSecurityException("cannot create an in-memory key store", e);
        }
        store.setKeyEntry("chanmux", key, IN_MEMORY_PASSWORD, chain.toArray(X509Certificate[]::new));
        KeyManagerFactory keys = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        keys.init(store, IN_MEMORY_PASSWORD);
        SSLContext context = SSLContext.getInstance("TLS");
        context.init(keys.getKeyManagers(), null, null);
        return context;
    }
}
