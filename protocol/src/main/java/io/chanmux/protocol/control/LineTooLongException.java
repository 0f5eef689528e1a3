package io.chanmux.protocol.control;

import java.io.IOException;

/** A peer sent a line longer than the limit; the connection cannot be resynchronised and must close. */
public final class LineTooLongException extends IOException {
    private final int limitBytes;

    public LineTooLongException(int limitBytes) {
        super("line longer than " + limitBytes + " bytes");
        this.limitBytes = limitBytes;
    }

    /** The limit that was exceeded, in bytes. */
    public int limitBytes() {
        return limitBytes;
    }
}
