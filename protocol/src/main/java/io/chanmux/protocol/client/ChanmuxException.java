package io.chanmux.protocol.client;

import io.chanmux.protocol.control.ErrorCode;

import java.io.IOException;

/** The server answered a request with an error reply; carries its code and message. */
public final class ChanmuxException extends IOException {
    private final ErrorCode error;

    public ChanmuxException(ErrorCode error, String message) {
        super(error.wireName() + ": " + message);
        this.error = error;
    }

    /** The error code from the reply. */
    public ErrorCode error() {
        return error;
    }
}
