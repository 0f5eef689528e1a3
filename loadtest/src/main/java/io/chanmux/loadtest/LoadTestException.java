package io.chanmux.loadtest;

/**
 * The run could not take place at all: the machine's limits are too low, the server cannot be
 * reached, or it refused the channels. The message says what to do; {@link LoadTestMain} prints
 * it and exits with {@link LoadTestMain#EXIT_ABORTED}.
 */
public final class LoadTestException extends Exception {
    /** With a message that says what happened and what to do. */
    public LoadTestException(String message) {
        super(message);
    }

    /** With a message and the failure behind it. */
    public LoadTestException(String message, Throwable cause) {
        super(message, cause);
    }
}
