package io.chanmux.server.control;

import java.util.Locale;

/** Why the server, not the client, ended a control connection. Counted per reason in {@code stats}. */
public enum SessionCloseReason {
    /** Refused at accept: the server had its maximum of control connections. */
    REJECTED,
    /** A line was longer than the limit. */
    LINE_TOO_LONG,
    /** No complete line within the line timeout of connecting, or a started line stalled. */
    LINE_TIMEOUT,
    /** The server has a secret and the connection did not authenticate within the line timeout. */
    AUTH_TIMEOUT,
    /** The client did not take our output for the write timeout. */
    WRITE_TIMEOUT,
    /** The client let its outbound queue of replies and events overflow. */
    OUTBOUND_OVERFLOW,
    /** On a TLS control port: the handshake failed (a plain-text client, or one that refused the certificate). */
    TLS_HANDSHAKE;

    private final String wireName = name().toLowerCase(Locale.ROOT);

    /** The name used in the {@code stats} reply. */
    public String wireName() {
        return wireName;
    }
}
