/**
 * TLS for the control port. {@link io.chanmux.server.control.tls.ControlTls} holds the server's
 * certificate, read from PEM files by {@code PemFiles} and {@code ServerCertificate}, and rereads
 * them when they change; it layers a server-mode TLS socket over each accepted connection
 * ({@code TlsTransport}), whose handshake then runs on the session's own thread.
 *
 * <p>Threading: the control listener's thread is the only caller of {@code ControlTls.open}, and
 * so the only writer of the certificate in use; sessions only use the connection they were given.
 */
package io.chanmux.server.control.tls;
