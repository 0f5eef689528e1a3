package io.chanmux.cli;

import java.io.IOException;

/**
 * The control connection could not be opened. The message is the whole line the user sees: where
 * the CLI tried, why it failed, and what to check.
 */
final class ServerUnreachableException extends IOException {

    ServerUnreachableException(ServerAddress server, IOException cause) {
        this(server, ChanmuxCli.describe(cause), cause);
    }

    ServerUnreachableException(ServerAddress server, String reason) {
        this(server, reason, null);
    }

    private ServerUnreachableException(ServerAddress server, String reason, IOException cause) {
        this("cannot reach chanmux at " + server + ": " + reason
                + " — is the server running? start it with ./bin/chanmux-server"
                + " (or point --server / CHANMUX_SERVER at it)", cause);
    }

    private ServerUnreachableException(String message, IOException cause) {
        super(message, cause);
    }

    /** The TCP connection opened but the TLS handshake failed: a plain port, or a certificate not trusted. */
    static ServerUnreachableException tlsFailed(ServerAddress server, IOException cause) {
        return new ServerUnreachableException("TLS with chanmux at " + server + " failed: "
                + ChanmuxCli.describe(cause) + " — does the server run with --tls-cert, and is its certificate "
                + "issued by --tls-ca (or a CA of the default trust store) for " + server.host() + "?", cause);
    }
}
