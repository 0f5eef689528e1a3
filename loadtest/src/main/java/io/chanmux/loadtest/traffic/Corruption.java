package io.chanmux.loadtest.traffic;

import java.util.Locale;

/**
 * Why a received datagram failed verification. Each kind is a counter; any non-zero count fails
 * the run, because a relay must forward DATA unchanged.
 */
public enum Corruption {
    /** The datagram is not exactly the chanmux header plus {@code --payload} bytes. */
    BAD_LENGTH,
    /** The type byte is not DATA (and the datagram is not a PONG, BIND_OK or CHALLENGE for this peer). */
    BAD_TYPE,
    /** The peer id in the chanmux header differs from the sender id in the payload. */
    HEADER_MISMATCH,
    /** The check word does not match sender, sequence and send time. */
    BAD_CHECK,
    /** A padding byte differs from the pattern. */
    BAD_PADDING,
    /** The sender is not a sending member of this peer's channel. */
    UNKNOWN_SENDER,
    /** The sequence number is negative, too large to track, or beyond what its sender sent. */
    BAD_SEQUENCE;

    /** The name used in reports, such as {@code bad_length}. */
    public String reportName() {
        return name().toLowerCase(Locale.ROOT);
    }
}
