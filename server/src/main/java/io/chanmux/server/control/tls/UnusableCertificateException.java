package io.chanmux.server.control.tls;

/**
 * The certificate and key files cannot be used: unreadable, not PEM, or not a matching pair. The
 * message names the option and the file, and says what to do.
 */
final class UnusableCertificateException extends Exception {
    UnusableCertificateException(String message) {
        super(message);
    }
}
