package io.chanmux.cli;

import java.io.IOException;

/**
 * The control connection could not be opened. The message is the whole line the user sees: where
 * the CLI tried, why it failed, and how to start a server.
 */
final class ServerUnreachableException extends IOException {

    ServerUnreachableException(ServerAddress server, IOException cause) {
        this(server, ChanmuxCli.describe(cause), cause);
    }

    ServerUnreachableException(ServerAddress server, String reason) {
        this(server, reason, null);
    }

    private ServerUnreachableException(ServerAddress server, String reason, IOException cause) {
        super("cannot reach chanmux at " + server + ": " + reason
                + " — is the server running? start it with ./bin/chanmux-server"
                + " (or point --server / CHANMUX_SERVER at it)", cause);
    }
}
