package io.chanmux.server.control.tls;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.cert.Certificate;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;

/**
 * Reads the PEM files {@code --tls-cert} and {@code --tls-key} name: a certificate chain (leaf
 * first), and an unencrypted PKCS#8 private key ({@code -----BEGIN PRIVATE KEY-----}). Stateless.
 */
final class PemFiles {
    static final String CERT_OPTION = "--tls-cert";
    static final String KEY_OPTION = "--tls-key";

    private static final String KEY_BEGIN = "-----BEGIN PRIVATE KEY-----";
    private static final String KEY_END = "-----END PRIVATE KEY-----";
    private static final String TO_PKCS8 = "convert it with: openssl pkcs8 -topk8 -nocrypt -in KEY -out KEY.pkcs8.pem";

    private PemFiles() {
    }

    /** The certificates of {@code file}, in file order: the server's own first, then its issuers. */
    static List<X509Certificate> certificates(Path file) throws UnusableCertificateException {
        List<X509Certificate> chain = new ArrayList<>();
        try (InputStream in = Files.newInputStream(file)) {
            for (Certificate certificate : CertificateFactory.getInstance("X.509").generateCertificates(in)) {
                chain.add((X509Certificate) certificate);
            }
        } catch (IOException e) {
            throw unreadable(CERT_OPTION, file, e);
        } catch (CertificateException e) {
            throw new UnusableCertificateException(CERT_OPTION + ": " + file + " is not a PEM certificate chain: "
                    + e.getMessage());
        }
        if (chain.isEmpty()) {
            throw new UnusableCertificateException(CERT_OPTION + ": " + file + " holds no certificate");
        }
        return List.copyOf(chain);
    }

    /**
     * The private key of {@code file}.
     *
     * @param algorithm the algorithm of the certificate's public key ({@code RSA}, {@code EC}): the
     *                  key must be of the same kind
     */
    static PrivateKey privateKey(Path file, String algorithm) throws UnusableCertificateException {
        String text;
        try {
            text = Files.readString(file, StandardCharsets.ISO_8859_1);
        } catch (IOException e) {
            throw unreadable(KEY_OPTION, file, e);
        }
        if (text.contains("-----BEGIN ENCRYPTED PRIVATE KEY-----")) {
            throw new UnusableCertificateException(KEY_OPTION + ": " + file + " is encrypted; chanmux needs it "
                    + "unencrypted (protect it with file permissions): " + TO_PKCS8);
        }
        if (text.contains("-----BEGIN RSA PRIVATE KEY-----") || text.contains("-----BEGIN EC PRIVATE KEY-----")) {
            throw new UnusableCertificateException(KEY_OPTION + ": " + file + " is a PKCS#1/SEC1 key; chanmux reads "
                    + "PKCS#8 ('BEGIN PRIVATE KEY'): " + TO_PKCS8);
        }
        int begin = text.indexOf(KEY_BEGIN);
        int end = text.indexOf(KEY_END, Math.max(begin, 0));
        if (begin < 0 || end < 0) {
            throw new UnusableCertificateException(KEY_OPTION + ": " + file + " has no '" + KEY_BEGIN + "' ... '"
                    + KEY_END + "' block");
        }
        try {
            byte[] der = Base64.getMimeDecoder().decode(text.substring(begin + KEY_BEGIN.length(), end));
            return KeyFactory.getInstance(algorithm).generatePrivate(new PKCS8EncodedKeySpec(der));
        } catch (IllegalArgumentException | GeneralSecurityException e) {
            throw new UnusableCertificateException(KEY_OPTION + ": " + file + " is not a PKCS#8 " + algorithm
                    + " private key, the kind the certificate's public key needs: " + e.getMessage());
        }
    }

    private static UnusableCertificateException unreadable(String option, Path file, IOException e) {
        String why = e instanceof NoSuchFileException ? "no such file" : e.toString();
        return new UnusableCertificateException(option + ": cannot read " + file + ": " + why);
    }
}
