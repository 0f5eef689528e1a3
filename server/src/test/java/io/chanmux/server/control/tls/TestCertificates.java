package io.chanmux.server.control.tls;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Self-signed certificates made at test time by the JDK's own {@code keytool}, written as the PEM
 * files {@code --tls-cert} and {@code --tls-key} read. Each one names {@code localhost},
 * {@code 127.0.0.1} and {@code ::1}, so clients that check the host name accept it on loopback.
 *
 * <p>keytool is a JVM of its own, so each certificate is made once per test JVM and shared; a
 * test that changes the files copies them first with {@link Pem#copyTo}. Thread-safe. The cli and
 * loadtest tests use it too, through the server's test jar.
 */
public final class TestCertificates {
    private static final char[] PASSWORD = "test-only".toCharArray();
    private static final Map<String, Pem> MADE = new HashMap<>();
    private static Path directory;

    private TestCertificates() {
    }

    /**
     * A PEM certificate and its key.
     *
     * @param certificate the certificate file ({@code BEGIN CERTIFICATE})
     * @param key         the PKCS#8 key file ({@code BEGIN PRIVATE KEY})
     * @param subject     the certificate's subject, as {@code X500Principal.getName()} spells it
     */
    public record Pem(Path certificate, Path key, String subject) {
        /** Copies both files into {@code dir} as {@code NAME.crt} and {@code NAME.key}. */
        public Pem copyTo(Path dir, String name) {
            try {
                Path certificateCopy = Files.copy(certificate, dir.resolve(name + ".crt"),
                        StandardCopyOption.REPLACE_EXISTING);
                Path keyCopy = Files.copy(key, dir.resolve(name + ".key"), StandardCopyOption.REPLACE_EXISTING);
                return new Pem(certificateCopy, keyCopy, subject);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }

    /** The EC certificate most tests serve: {@code CN=chanmux-test-server}. */
    public static Pem server() {
        return ec("chanmux-test-server");
    }

    /** Another EC certificate, to replace {@link #server()} with: {@code CN=chanmux-test-replacement}. */
    public static Pem replacement() {
        return ec("chanmux-test-replacement");
    }

    /** An RSA (2048-bit) certificate: {@code CN=chanmux-test-rsa}. */
    public static Pem rsa() {
        return make("chanmux-test-rsa", "RSA");
    }

    /** A self-signed EC (P-256) certificate for {@code CN=commonName}. */
    private static Pem ec(String commonName) {
        return make(commonName, "EC");
    }

    private static synchronized Pem make(String commonName, String algorithm) {
        return MADE.computeIfAbsent(algorithm + "/" + commonName, k -> {
            try {
                return generate(directory(), commonName, algorithm);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            } catch (GeneralSecurityException | InterruptedException e) {
                throw new IllegalStateException("cannot make a test certificate", e);
            }
        });
    }

    private static Pem generate(Path dir, String commonName, String algorithm)
            throws IOException, GeneralSecurityException, InterruptedException {
        String name = algorithm.toLowerCase() + "-" + commonName;
        Path store = dir.resolve(name + ".p12");
        List<String> command = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "keytool").toString(),
                // A JVM of its own: tuned to start fast, it runs a few hundred milliseconds.
                "-J-XX:TieredStopAtLevel=1", "-J-XX:+UseSerialGC",
                "-genkeypair", "-alias", "server", "-keyalg", algorithm));
        command.addAll(algorithm.equals("EC") ? List.of("-groupname", "secp256r1") : List.of("-keysize", "2048"));
        command.addAll(List.of("-dname", "CN=" + commonName, "-ext", "san=dns:localhost,ip:127.0.0.1,ip:::1",
                "-validity", "2", "-storetype", "PKCS12", "-keystore", store.toString(),
                "-storepass", new String(PASSWORD), "-keypass", new String(PASSWORD)));
        Process keytool = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output = new String(keytool.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!keytool.waitFor(60, TimeUnit.SECONDS) || keytool.exitValue() != 0) {
            throw new IllegalStateException("keytool failed: " + command + "\n" + output);
        }
        KeyStore keys = KeyStore.getInstance("PKCS12");
        try (InputStream in = Files.newInputStream(store)) {
            keys.load(in, PASSWORD);
        }
        X509Certificate certificate = (X509Certificate) keys.getCertificate("server");
        PrivateKey key = (PrivateKey) keys.getKey("server", PASSWORD);
        Path certificateFile = Files.writeString(dir.resolve(name + ".crt"),
                pem("CERTIFICATE", certificate.getEncoded()), StandardCharsets.US_ASCII);
        Path keyFile = Files.writeString(dir.resolve(name + ".key"), pem("PRIVATE KEY", key.getEncoded()),
                StandardCharsets.US_ASCII);
        return new Pem(certificateFile, keyFile, certificate.getSubjectX500Principal().getName());
    }

    /** A PEM block: Base64 in lines of 64 characters between BEGIN and END lines. */
    public static String pem(String type, byte[] der) {
        String body = Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII)).encodeToString(der);
        return "-----BEGIN " + type + "-----\n" + body + "\n-----END " + type + "-----\n";
    }

    /** One directory per test JVM, removed when it exits. */
    private static Path directory() throws IOException {
        if (directory == null) {
            directory = Files.createTempDirectory("chanmux-test-certificates");
            Path made = directory;
            Runtime.getRuntime().addShutdownHook(new Thread(() -> deleteTree(made)));
        }
        return directory;
    }

    private static void deleteTree(Path dir) {
        try (var files = Files.list(dir)) {
            for (Path file : files.toList()) {
                Files.deleteIfExists(file);
            }
            Files.deleteIfExists(dir);
        } catch (IOException ignored) {
            // a temporary directory: the system cleans it up eventually
        }
    }
}
